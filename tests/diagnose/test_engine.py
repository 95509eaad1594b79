"""The diagnosis engine on runs the corpus cannot produce in-process
(timeouts, crashes...), its promises (never raises, fast, no hidden data,
deterministic probes) and the catalogue's writing rules."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import pytest

from normkatas.diagnose import DiagnosisInput, diagnose, plan_probes
from normkatas.diagnose.catalogue import CATALOGUE
from normkatas.diagnose.probes import plan
from normkatas.report.result import CaseResult, Diagnosis
from normkatas.sandbox.types import (
    ArrayValue,
    CallOutcome,
    ExceptionInfo,
    NoneValue,
    OtherValue,
    RunOutcome,
    SequenceValue,
    TraceFrame,
)
from tests.diagnose.harness import Prepared, prepared, run
from tests.support.corpus import CORPUS

BCHW = "batchnorm-bchw"


def _failed(p: Prepared) -> list[CaseResult]:
    return [CaseResult(name=c.name, status="error", points=0.0, max_points=1.0,
                       hidden=c.spec.hidden) for c in p.cases]


def _diagnose(outcome: RunOutcome, kata_id: str = BCHW, source: str | None = None,
              **changes: Any) -> list[Diagnosis]:
    p = prepared(kata_id)
    fields: dict[str, Any] = {
        "kata": p.kata, "cases": p.cases, "results": _failed(p), "outcome": outcome,
        "reference": p.reference, "reference_outputs": p.outputs, "probes": p.probes,
        "source": source, "submission_name": "solution.py",
    }
    fields.update(changes)
    return diagnose(DiagnosisInput(**fields))


def _calls(status: str, **kw: Any) -> tuple[CallOutcome, ...]:
    p = prepared(BCHW)
    return tuple(CallOutcome(c.name, status, **kw) for c in p.cases)  # type: ignore[arg-type]


# -- execution failures that need a real process -----------------------------------------


def test_timeout_and_memory_limit() -> None:
    d = _diagnose(RunOutcome("timeout", calls=_calls("timeout")))
    assert [x.id for x in d] == ["timeout"]
    assert "time limit" in d[0].title
    d = _diagnose(RunOutcome("ok", calls=_calls("memory-limit")))
    assert [x.id for x in d] == ["memory-limit"]


def test_crash_by_exit_code_points_at_the_exit_call() -> None:
    source = "import sys\n\ndef batch_normalization(X, gamma, beta, epsilon=1e-5):\n" \
             "    sys.exit(3)\n"
    d = _diagnose(RunOutcome("crashed", exit_code=3, calls=_calls("crashed")), source=source)
    assert [x.id for x in d] == ["crashed"]
    assert "exited with code 3" in d[0].title
    assert d[0].source is not None and d[0].source.line == 4


def test_crash_by_signal_is_named() -> None:
    d = _diagnose(RunOutcome("crashed", signal=11))
    assert d[0].id == "crashed" and "SIGSEGV" in d[0].title


def test_import_error_that_is_not_a_missing_module() -> None:
    error = ExceptionInfo("NameError", "name 'np' is not defined",
                          (TraceFrame("solution.py", 3, "<module>", "x = np.zeros(3)"),))
    d = _diagnose(RunOutcome("import-error", error=error))
    assert [x.id for x in d] == ["import-error"]
    assert "NameError" in d[0].title and d[0].source is not None and d[0].source.line == 3


def test_missing_function_without_any_function() -> None:
    d = _diagnose(RunOutcome("missing-function", defined_functions=()))
    assert d[0].id == "missing-function" and d[0].help_code == (
        "def batch_normalization(X, gamma, beta, epsilon=1e-05):")


def test_syntax_error_carries_line_and_column() -> None:
    error = ExceptionInfo("SyntaxError", "invalid syntax", (), 2, 9, "    x = = 1")
    d = _diagnose(RunOutcome("syntax-error", error=error), source="def f():\n    x = = 1\n")
    assert d[0].id == "syntax-error"
    assert d[0].source is not None and (d[0].source.line, d[0].source.column) == (2, 9)


def test_hidden_exception_messages_are_not_repeated() -> None:
    p = prepared(BCHW)
    frame = (TraceFrame("solution.py", 5, "batch_normalization", "y = X[9]"),)
    calls = tuple(
        CallOutcome(c.name, "exception",
                    exception=ExceptionInfo("IndexError", "" if c.spec.hidden else "bad", frame))
        for c in p.cases if c.spec.hidden
    )
    d = _diagnose(RunOutcome("ok", calls=calls))
    assert [x.id for x in d] == ["exception"]
    assert d[0].title == "IndexError on line 5"


# -- robustness ----------------------------------------------------------------------------


WEIRD = [
    NoneValue(),
    OtherValue("dict", "{}"),
    SequenceValue("list", (OtherValue("str", "'a'"),)),
    ArrayValue(None, (3, 3), "object", refused="not numeric"),
    ArrayValue(np.array([np.nan]), (1,), "float64"),
    ArrayValue(np.array(["a"]), (1,), "<U1"),
    ArrayValue(np.zeros((0,)), (0,), "float64"),
]


@pytest.mark.parametrize("value", WEIRD, ids=[type(v).__name__ for v in WEIRD])
def test_diagnose_never_raises_on_odd_values(value: Any) -> None:
    p = prepared(BCHW)
    calls = tuple(CallOutcome(c.key, "ok", value=value) for c in
                  [*[type("C", (), {"key": c.name})() for c in p.cases], *p.probes])
    assert isinstance(_diagnose(RunOutcome("ok", calls=calls)), list)


def test_diagnose_never_raises_when_the_reference_does() -> None:
    def broken(**kwargs: Any) -> list[np.ndarray]:
        raise RuntimeError("boom")

    result = run(BCHW, CORPUS / BCHW / "wrong_unbiased_variance.py")
    d = diagnose(DiagnosisInput(**{**result.inp.__dict__, "reference": broken}))
    assert isinstance(d, list)
    d = diagnose(DiagnosisInput(**{**result.inp.__dict__, "reference_outputs": {}}))
    assert isinstance(d, list)


def test_a_broadcast_error_alone_is_recognised_as_the_affine_axis() -> None:
    """When no case has W == C, every call raises: the exception says it all."""
    path = CORPUS / BCHW / "wrong_affine_last_axis.py"
    result = run(BCHW, path)
    p = result.prepared
    keep = [c for c in p.cases if np.shape(c.kwargs["X"])[3] != np.shape(c.kwargs["X"])[1]]
    names = {c.name for c in keep}
    inp = DiagnosisInput(**{
        **result.inp.__dict__, "cases": keep, "probes": (),
        "results": [r for r in result.results if r.name in names],
    })
    d = diagnose(inp)
    assert [x.id for x in d] == ["affine-wrong-axis"]
    assert d[0].source is not None and "gamma" in d[0].source.text


def test_all_passed_means_no_diagnosis() -> None:
    result = run(BCHW, CORPUS / BCHW / "right_vectorized_keepdims.py")
    assert result.status == "passed" and result.diagnoses == []


def test_without_probes_the_axes_are_found_by_fitting() -> None:
    path = CORPUS / BCHW / "wrong_layer_norm.py"
    result = run(BCHW, path)
    inp = DiagnosisInput(**{**result.inp.__dict__, "probes": ()})
    d = diagnose(inp)
    assert [x.id for x in d] == ["layer-norm"]
    assert d[0].reduced_axes == [1, 2, 3] and d[0].confidence == "certain"


# -- promises ------------------------------------------------------------------------------


def test_the_fit_is_bounded_by_counted_work_not_time() -> None:
    """The search stops after a number of comparisons: the same report whatever the
    machine's load (a budget of time would not be)."""
    from normkatas.diagnose import fit as fit_module
    from normkatas.diagnose.context import build

    result = run(BCHW, CORPUS / BCHW / "wrong_layer_norm_three_mistakes.py")
    ctx = build(result.inp)
    stages = fit_module.all_stages(ctx)
    assert ctx.expected is not None
    groupings = [(ctx.expected, 0)]
    assert fit_module.fit(ctx, stages, groupings, budget=5).best is None
    full = fit_module.fit(ctx, stages, groupings)
    assert full == fit_module.fit(ctx, stages, groupings)


def test_a_probe_cut_short_by_the_clock_means_no_probe_is_used() -> None:
    """All probes or none: which probes a loaded machine finished must not matter."""
    result = run(BCHW, CORPUS / BCHW / "wrong_layer_norm.py")
    outcome = result.inp.outcome
    first = next(c for c in outcome.calls if c.key.startswith("probe/"))
    calls = tuple(
        CallOutcome(c.key, "timeout") if c is first else c for c in outcome.calls
    )
    cut = DiagnosisInput(**{**result.inp.__dict__, "outcome": RunOutcome("ok", calls=calls)})
    without = DiagnosisInput(**{**result.inp.__dict__, "probes": ()})
    assert diagnose(cut) == diagnose(without)


def test_a_memo_shared_across_submissions_changes_nothing() -> None:
    memo: dict[str, Any] = {}
    for name in ("wrong_layer_norm_three_mistakes.py", "wrong_unbiased_variance.py"):
        result = run(BCHW, CORPUS / BCHW / name)
        alone = diagnose(result.inp)
        with_memo = DiagnosisInput(**{**result.inp.__dict__, "memo": memo})
        assert diagnose(with_memo) == alone
        assert diagnose(with_memo) == alone  # from the memo this time
        assert memo  # the probe plan and the reference's outputs on the probes


def test_probes_are_deterministic_visible_and_small() -> None:
    p = prepared(BCHW)
    first, second = plan_probes(p.kata, p.cases), plan_probes(p.kata, p.cases)
    assert [c.key for c in first] == [c.key for c in second]
    for a, b in zip(first, second, strict=True):
        assert a.group == "probe" and a.key.startswith("probe/")
        for name, value in a.kwargs.items():
            assert np.array_equal(value, b.kwargs[name])
    assert len({c.key for c in first}) == len(first)
    visible = {c.name for c in p.cases if not c.spec.hidden}
    assert {pl.source for pl in plan(p.kata, p.cases)} <= visible
    assert len(first) <= 60


def test_a_hidden_probe_case_is_not_used() -> None:
    p = prepared(BCHW)
    cases = [
        type(c)(msgspec.structs.replace(c.spec, hidden=True), c.kwargs) if c.spec.probe else c
        for c in p.cases
    ]
    hidden = {c.name for c in cases if c.spec.hidden}
    assert not {pl.source for pl in plan(p.kata, cases)} & hidden


def _paths() -> list[Path]:
    return sorted(CORPUS.glob("*/wrong_*.py"))


@pytest.mark.parametrize("path", _paths(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_no_hidden_case_data_reaches_the_student(path: Path) -> None:
    result = run(path.parent.name, path)
    hidden = [c for c in result.prepared.cases if c.spec.hidden]
    for d in result.diagnoses:
        for e in d.evidence:
            assert not any(f"case {c.name}" in e.label for c in hidden), e.label
        if d.counterexample is not None:
            for c in hidden:
                x = np.asarray(next(iter(c.kwargs.values())))
                assert str(float(x.ravel()[0])) not in d.counterexample.call


# -- the catalogue's writing rules -------------------------------------------------------


def _texts() -> list[tuple[str, str]]:
    out = []
    for entry in CATALOGUE:
        for text in [entry.text, *entry.forms.values()]:
            out += [(entry.id, text.title), (entry.id, text.help), *[(entry.id, n) for n in
                                                                      text.notes]]
    return out


def test_titles_are_headlines() -> None:
    for entry in CATALOGUE:
        for text in [entry.text, *entry.forms.values()]:
            assert not text.title.endswith("."), entry.id
            first = text.title.lstrip("{")[0]
            assert first == first.lower(), entry.id
            assert text.help, entry.id


@pytest.mark.parametrize("entry_id,text", _texts())
def test_no_blame_and_no_questions(entry_id: str, text: str) -> None:
    assert "?" not in text
    assert not re.search(r"\b(you forgot|wrong!|mistakenly|simply|obviously)\b", text, re.I)


def test_catalogue_ids_are_unique_and_each_entry_is_recognisable() -> None:
    ids = [e.id for e in CATALOGUE]
    assert len(ids) == len(set(ids))
    for e in CATALOGUE:
        assert e.detect is not None or e.variant is not None or e.axes is not None, e.id
