"""The instructor check (`normkatas.diagnose.coverage.check_kata`) on the real katas and on
deliberately broken copies of them."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import msgspec
import numpy as np
import pytest

from normkatas.grading.instructor import check_kata
from normkatas.report.check import CheckReport
from normkatas.spec.inputs import MaterializedCase
from tests.diagnose.harness import prepared

KATAS = [
    "batchnorm-bchw", "batchnorm-1d", "layernorm-bchw", "instancenorm-bchw", "groupnorm-bchw",
    "batchnorm-fc", "batchnorm-train-eval", "batchnorm-backward",
]


def _check(kata_id: str, cases: list[MaterializedCase] | None = None, **changes: Any
           ) -> CheckReport:
    p = prepared(kata_id)
    kata = msgspec.structs.replace(p.kata, **changes) if changes else p.kata
    return check_kata(kata, p.reference, p.cases if cases is None else cases)


def _with_spec(case: MaterializedCase, **changes: Any) -> MaterializedCase:
    return replace(case, spec=msgspec.structs.replace(case.spec, **changes))


@pytest.mark.parametrize("kata_id", KATAS)
def test_every_kata_passes_its_own_check(kata_id: str) -> None:
    report = _check(kata_id)
    assert report.ok, msgspec.to_builtins(report)
    assert report.caught  # the mutants did run


def test_weak_cases_leave_mistakes_uncaught_by_id_and_title() -> None:
    p = prepared("batchnorm-bchw")
    weak = [c for c in p.cases if c.name == "seed-example-3"]
    report = _check("batchnorm-bchw", weak)
    ids = {u.id for u in report.uncaught}
    assert {"per-activation", "instance-norm", "epsilon-outside-sqrt"} <= ids
    assert "layer-norm" not in ids
    titles = {u.id: u.title for u in report.uncaught}
    assert titles["epsilon-outside-sqrt"] == "epsilon added outside the square root"
    assert titles["instance-norm"] == (
        "statistics computed per sample and channel over H, W instead of per channel")
    assert not report.ok


def test_a_kata_without_small_variance_cannot_catch_epsilon_mistakes() -> None:
    p = prepared("batchnorm-1d")
    weak = [c for c in p.cases if c.name == "seed-example-1-to-4"]
    ids = {u.id for u in _check("batchnorm-1d", weak).uncaught}
    assert {"missing-epsilon", "epsilon-outside-sqrt"} <= ids


def test_expected_values_that_disagree_are_reported_with_index() -> None:
    p = prepared("batchnorm-1d")
    case = p.cases[0]
    assert case.spec.expected is not None
    written = dict(case.spec.expected)
    y = list(written["y"])
    y[2] = y[2] + 0.01
    written["y"] = y
    broken = _with_spec(case, expected=written)
    report = _check("batchnorm-1d", [broken, *p.cases[1:]])
    assert len(report.expected_mismatches) == 1
    bad = report.expected_mismatches[0]
    assert (bad.case, bad.output, bad.index, bad.mismatched) == (case.name, "y", [2], 1)
    assert bad.written == pytest.approx(y[2])
    assert bad.computed == pytest.approx(y[2] - 0.01, abs=1e-5)


def test_written_values_are_judged_with_the_grading_tolerance() -> None:
    """Neither the decimals written nor an integer loosen or tighten the check."""
    p = prepared("batchnorm-1d")
    case = p.cases[0]
    mean = float(p.outputs[case.name][1])  # 2.5
    # 2 is not 2.5, although an integer "printed with 0 decimals" is within 0.5
    rounded = _with_spec(case, expected={"mean": 2}, expected_atol=None)
    assert len(_check("batchnorm-1d", [rounded]).expected_mismatches) == 1
    # a float32 printout far below the grading tolerance (rtol 1e-5) is accepted
    y = np.asarray(p.outputs[case.name][0])
    float32 = [float(v) for v in y.astype(np.float32)]
    printed = _with_spec(case, expected={"y": float32, "mean": mean}, expected_atol=None)
    report = _check("batchnorm-1d", [printed])
    assert not report.expected_mismatches and not report.expected_notes


def test_an_open_expected_atol_accepts_but_still_flags() -> None:
    p = prepared("batchnorm-1d")
    case = p.cases[0]
    mean = float(p.outputs[case.name][1])
    off = _with_spec(case, expected={"mean": mean + 3e-4}, expected_atol=1e-3)
    report = _check("batchnorm-1d", [off])
    assert not report.expected_mismatches
    assert [n.output for n in report.expected_notes] == ["mean"]
    # values that only differ by the printing the case announces are not flagged
    printed = _with_spec(case, expected={"y": [round(float(v), 3) for v in
                                               p.outputs[case.name][0]]}, expected_atol=5e-4)
    assert not _check("batchnorm-1d", [printed]).expected_notes


def test_expected_with_the_wrong_shape_or_an_unknown_output() -> None:
    p = prepared("batchnorm-1d")
    case = p.cases[0]
    shaped = _with_spec(case, expected={"y": [1.0, 2.0]})
    unknown = _with_spec(case, expected={"z": 1.0})
    report = _check("batchnorm-1d", [shaped, unknown])
    problems = {m.problem: m for m in report.expected_mismatches}
    assert problems["shape"].written_shape == [2] and problems["shape"].reference_shape == [4]
    assert problems["unknown-output"].known == ["y", "mean", "var"]


def test_reference_failures_are_reported() -> None:
    p = prepared("batchnorm-train-eval")
    training = next(c for c in p.cases if c.kwargs.get("training") is True)
    x = np.asarray(training.kwargs["x"])[:1]  # one sample: the reference refuses
    one = replace(training, kwargs={**training.kwargs, "x": x})
    report = _check("batchnorm-train-eval", [one])
    assert report.reference_problems and "ValueError" in report.reference_problems[0].message

    def nan_reference(**kwargs: Any) -> list[np.ndarray]:
        return [np.full(3, np.nan)]

    q = prepared("batchnorm-fc")
    report = check_kata(q.kata, nan_reference, q.cases[:1])
    assert "non-finite" in report.reference_problems[0].message


def test_probe_case_problems() -> None:
    p = prepared("batchnorm-bchw")
    no_flag = [_with_spec(c, probe=False) for c in p.cases]
    assert _check("batchnorm-bchw", no_flag).probe is not None
    hidden = [_with_spec(c, hidden=True) if c.spec.probe else c for c in p.cases]
    report = _check("batchnorm-bchw", hidden)
    assert report.probe is not None and "hidden" in report.probe.message
    probe = next(c for c in p.cases if c.spec.probe)
    flat = replace(probe, kwargs={**probe.kwargs, "X": np.asarray(probe.kwargs["X"])[:1]})
    report = _check("batchnorm-bchw", [flat])
    assert report.probe is not None and "at least 2" in report.probe.message


def test_a_structure_that_does_not_describe_the_reference_is_reported() -> None:
    p = prepared("batchnorm-bchw")
    assert p.kata.structure is not None
    wrong = msgspec.structs.replace(p.kata.structure, reduce=["C", "H", "W"])
    report = _check("batchnorm-bchw", structure=wrong)
    assert report.formula_problems and not report.caught
    assert not report.ok
