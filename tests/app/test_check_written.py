"""`grade check` on written values: judged like answers, and explained in reverse
(which single change reproduces them); the defects of the check's report."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import pytest

from normkatas.grading.instructor import check_kata
from normkatas.render.check import render_checks
from normkatas.report.check import CheckReport, Reproduction
from normkatas.spec.inputs import MaterializedCase
from tests.diagnose.harness import KATAS, prepared


def _with(case: MaterializedCase, kwargs: dict[str, Any] | None = None, **spec: Any
          ) -> MaterializedCase:
    return replace(case, spec=msgspec.structs.replace(case.spec, **spec),
                   kwargs={**case.kwargs, **(kwargs or {})})


def _check(kata_id: str, cases: list[MaterializedCase], **changes: Any) -> CheckReport:
    p = prepared(kata_id)
    kata = msgspec.structs.replace(p.kata, **changes) if changes else p.kata
    return check_kata(kata, p.reference, cases)


def test_the_bundled_epsilon_zero_printout_is_flagged_and_kept() -> None:
    p = prepared("batchnorm-bchw")
    report = check_kata(p.kata, p.reference, p.cases, file=KATAS / "batchnorm-bchw.yaml")
    assert report.ok  # its tolerance is written openly (expected_atol 5e-5)
    [note] = report.expected_notes
    assert note.case == "seed-example-3" and note.expected_atol == 5e-5
    [found] = note.reproduced_by
    assert (found.kind, found.name, found.value) == ("argument", "epsilon", 0.0)
    assert note.line is not None
    text = (KATAS / "batchnorm-bchw.yaml").read_text().splitlines()
    assert text[note.line - 1].strip().startswith("Y:")
    out = render_checks([report], "text")
    assert "these values match the reference with epsilon = 0" in out
    assert "batchnorm-bchw.yaml:" in out


def test_without_its_open_tolerance_the_epsilon_zero_printout_is_an_error() -> None:
    p = prepared("batchnorm-bchw")
    case = next(c for c in p.cases if c.name == "seed-example-3")
    report = _check("batchnorm-bchw", [_with(case, expected_atol=None)])
    [error] = report.expected_mismatches
    assert error.total == 16 and error.mismatched >= 8
    assert error.reproduced_by[0].name == "epsilon" and error.reproduced_by[0].value == 0.0
    assert not report.ok


def test_a_published_answer_computed_with_epsilon_2() -> None:
    p = prepared("batchnorm-bchw")
    case = next(c for c in p.cases if c.name == "seed-example-1")
    artefact = p.reference(**{**case.kwargs, "epsilon": 2.0})[0]
    written = np.round(artefact, 5).tolist()
    report = _check("batchnorm-bchw", [_with(case, expected={"Y": written},
                                             expected_atol=None)])
    [error] = report.expected_mismatches
    assert [(r.name, r.value) for r in error.reproduced_by] == [("epsilon", 2.0)]
    assert "with epsilon = 2 (the case has 1e-05" in render_checks([report], "text")


def test_the_1d_worked_example_rounded_to_two_decimals() -> None:
    p = prepared("batchnorm-1d")
    case = next(c for c in p.cases if c.name == "seed-example-odd-numbers")
    published = _with(case, expected={"y": [-1.68, 0.10, 1.90, 3.68]}, expected_atol=None)
    report = _check("batchnorm-1d", [published])
    [error] = report.expected_mismatches
    assert error.reproduced_by == [Reproduction(kind="rounded", name="x_hat", decimals=2)]
    assert "x_hat rounded to 2 decimals before scaling" in render_checks([report], "text")


def test_a_coarse_printout_gets_help_about_its_decimals() -> None:
    p = prepared("batchnorm-bchw")
    case = next(c for c in p.cases if c.name == "seed-example-1")
    report = _check("batchnorm-bchw", [_with(case, expected_atol=None)])
    [error] = report.expected_mismatches
    assert error.printed_rounding and not error.reproduced_by and error.decimals == 5
    assert "expected_atol: 5e-06" in render_checks([report], "text")


def test_a_wrong_shape_is_described_without_none() -> None:
    p = prepared("batchnorm-1d")
    report = _check("batchnorm-1d", [_with(p.cases[0], expected={"y": [1.0, 2.0]})])
    out = render_checks([report], "text")
    assert "None" not in out and "none" not in out
    assert "written y has shape (2,); the reference returns shape (4,)" in out


def test_uncaught_titles_leak_no_template_text() -> None:
    p = prepared("batchnorm-bchw")
    weak = [c for c in p.cases if c.name == "seed-example-2"]
    report = _check("batchnorm-bchw", weak)
    titles = {u.id: u.title for u in report.uncaught}
    assert titles, "seed-example-2 alone catches everything"
    assert all("{" not in t and "}" not in t for t in titles.values()), titles
    if "wrong-layout" in titles:
        assert "NHWC instead of NCHW" in titles["wrong-layout"]


def test_a_kata_without_structure_does_not_claim_to_catch_mistakes() -> None:
    p = prepared("batchnorm-1d")
    report = _check("batchnorm-1d", p.cases, structure=None)
    assert report.ok and not report.diagnosis
    out = render_checks([report], "text")
    assert "catch all 0" not in out and "known mistakes are not checked" in out


def test_errors_found_while_checking_name_file_and_line(tmp_path: Path) -> None:
    p = prepared("batchnorm-1d")
    text = (KATAS / "batchnorm-1d.yaml").read_text()
    path = tmp_path / "batchnorm-1d.yaml"
    path.write_text(text)
    broken = [_with(p.cases[0], expected={"mean": 2.0}), *p.cases[1:]]
    report = check_kata(p.kata, p.reference, broken, file=path)
    [error] = report.expected_mismatches
    line = text.splitlines()[error.line - 1] if error.line else ""
    assert line.strip().startswith("mean:")
    assert f"{path}:{error.line}: case `seed-example-1-to-4`" in render_checks([report], "text")


@pytest.mark.parametrize("kata_id", ["batchnorm-bchw", "batchnorm-1d", "layernorm-bchw"])
def test_reference_and_probe_problems_carry_lines(kata_id: str) -> None:
    p = prepared(kata_id)
    no_probe = [_with(c, probe=False) for c in p.cases]
    report = check_kata(p.kata, p.reference, no_probe, file=KATAS / f"{kata_id}.yaml")
    assert report.probe is not None and report.probe.line is not None


def test_values_computed_with_a_known_mistake_are_named() -> None:
    p = prepared("batchnorm-1d")
    case = next(c for c in p.cases if c.name == "seed-example-1-to-4")
    x = np.asarray(case.kwargs["x_batch"])
    unbiased = (x - x.mean()) / np.sqrt(x.var(ddof=1) + 1e-5)
    written = _with(case, expected={"y": [round(float(v), 6) for v in unbiased]},
                    expected_atol=None)
    report = _check("batchnorm-1d", [written])
    [error] = report.expected_mismatches
    assert [(r.kind, r.name) for r in error.reproduced_by] == [("mistake", "unbiased-variance")]
    assert "the mistake `unbiased-variance`" in render_checks([report], "text")
