"""Running submissions IN-PROCESS for the diagnosis tests (no sandbox).

`run(kata_id, path)` imports a corpus file, calls its function on every case
and probe, and returns what `diagnose` gets and what it says.  This tests the
diagnosis, not the sandbox: values are converted the way the sandbox would.
No tests live here.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import itertools
import os
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from normkatas.diagnose import DiagnosisInput, diagnose, plan_probes
from normkatas.report.result import CaseResult, Diagnosis
from normkatas.sandbox.types import (
    ArrayValue,
    Call,
    CallOutcome,
    ExceptionInfo,
    NoneValue,
    OtherValue,
    RunOutcome,
    SequenceValue,
    TraceFrame,
    Value,
)
from normkatas.spec.inputs import MaterializedCase, materialize
from normkatas.spec.load import load_kata
from normkatas.spec.model import Kata
from tests.support import REPO

ROOT = REPO
KATAS = ROOT / "katas"
SOLUTIONS = ROOT / "solutions"
CORPUS = ROOT / "tests" / "corpus"
SNAPSHOTS = ROOT / "tests" / "snapshots" / "diagnose"
_counter = itertools.count()


@dataclass(frozen=True)
class Prepared:
    kata: Kata
    cases: list[MaterializedCase]
    reference: Callable[..., list[np.ndarray]]
    outputs: dict[str, list[np.ndarray]]
    probes: list[Call]


def _import(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.cache
def prepared(kata_id: str) -> Prepared:
    kata = load_kata(KATAS / f"{kata_id}.yaml")
    cases = materialize(kata)
    module = _import(SOLUTIONS / f"{kata.reference_module}.py", f"_ref_{kata.reference_module}")
    function = getattr(module, kata.reference_function)
    n = len(kata.returns)

    def reference(**kwargs: Any) -> list[np.ndarray]:
        copies = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        out = function(**copies)
        return [np.asarray(o) for o in ([out] if n == 1 else list(out))]

    outputs = {c.name: reference(**c.kwargs) for c in cases}
    return Prepared(kata, cases, reference, outputs, plan_probes(kata, cases))


# -- the sandbox's value conversion, in-process --------------------------------------


def to_value(obj: Any, depth: int = 0) -> Value:
    if obj is None:
        return NoneValue()
    if isinstance(obj, (bool, int, float, np.generic)) and not isinstance(obj, str):
        a = np.asarray(obj)
        if a.dtype.kind in "biuf":
            return ArrayValue(a.copy(), a.shape, str(a.dtype))
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind not in "biufc":
            return ArrayValue(None, obj.shape, str(obj.dtype), refused="not numeric")
        return ArrayValue(np.array(obj), obj.shape, str(obj.dtype))
    if isinstance(obj, (tuple, list)) and depth == 0:
        kind = "tuple" if isinstance(obj, tuple) else "list"
        return SequenceValue(kind, tuple(to_value(o, 1) for o in obj))
    return OtherValue(type(obj).__name__, repr(obj)[:80])


def _frames(exc: BaseException, path: Path) -> tuple[TraceFrame, ...]:
    frames = []
    for f in traceback.extract_tb(exc.__traceback__):
        if Path(f.filename).resolve() == path.resolve():
            frames.append(TraceFrame(f.filename, f.lineno or 0, f.name, (f.line or "").strip()))
    return tuple(frames)


def _call(fn: Callable[..., Any], call: Call, path: Path) -> CallOutcome:
    kwargs = {k: np.array(v) if isinstance(v, np.ndarray) else v for k, v in call.kwargs.items()}
    before = {k: v.copy() for k, v in kwargs.items() if isinstance(v, np.ndarray)}
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            value = fn(**kwargs)
    except Exception as exc:
        info = ExceptionInfo(type(exc).__name__, str(exc), _frames(exc, path))
        return CallOutcome(call.key, "exception", exception=info)
    mutated = tuple(
        k for k, v in before.items()
        if not np.array_equal(v, kwargs[k], equal_nan=v.dtype.kind == "f")
    )
    return CallOutcome(call.key, "ok", value=to_value(value), mutated=mutated)


def _defined(source: str) -> tuple[str, ...]:
    tree = ast.parse(source)
    return tuple(n.name for n in tree.body if isinstance(n, ast.FunctionDef))


def run_outcome(kata: Kata, calls: Sequence[Call], path: Path) -> RunOutcome:
    source = path.read_text(encoding="utf-8")
    try:
        compile(source, str(path), "exec")
    except SyntaxError as exc:
        error = ExceptionInfo("SyntaxError", str(exc.msg), (), exc.lineno, exc.offset,
                              (exc.text or "").rstrip("\n"))
        return RunOutcome("syntax-error", error=error)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = _import(path, f"_student_{next(_counter)}")
    except Exception as exc:
        error = ExceptionInfo(type(exc).__name__, str(exc), _frames(exc, path))
        return RunOutcome("import-error", error=error)
    fn = getattr(module, kata.entry, None)
    if not callable(fn):
        return RunOutcome("missing-function", defined_functions=_defined(source))
    return RunOutcome("ok", calls=tuple(_call(fn, c, path) for c in calls),
                      defined_functions=_defined(source))


# -- a minimal comparison ---------------------------------------------------------------


def case_results(p: Prepared, outcome: RunOutcome) -> list[CaseResult]:
    from normkatas.sandbox.values import as_outputs

    results = []
    for case in p.cases:
        call = outcome.call(case.name)
        base = {"name": case.name, "max_points": case.spec.points, "hidden": case.spec.hidden}
        if call is None or call.status != "ok":
            results.append(CaseResult(status="error", points=0.0, **base))
            continue
        tol = case.spec.tolerance or p.kata.tolerance
        outs = as_outputs(call.value, len(p.kata.returns))
        ref = p.outputs[case.name]
        ok = outs is not None and all(
            np.shape(a) == np.shape(b)
            and bool(np.all(np.abs(np.asarray(a, np.float64) - b) <= tol.atol + tol.rtol * abs(b)))
            for a, b in zip(outs, ref, strict=True)
        )
        mutated = [] if p.kata.allow_mutation else list(call.mutated)
        passed = ok and not mutated
        results.append(CaseResult(status="passed" if passed else "failed",
                                  points=case.spec.points if passed else 0.0, mutated=mutated,
                                  **base))
    return results


@dataclass
class Run:
    prepared: Prepared
    outcome: RunOutcome
    results: list[CaseResult]
    diagnoses: list[Diagnosis]
    inp: DiagnosisInput

    @property
    def status(self) -> str:
        """As grading decides it: error when nothing ran or every case raised."""
        if self.outcome.status in ("syntax-error", "import-error", "missing-function"):
            return "error"
        if all(r.status == "passed" for r in self.results):
            return "passed"
        return "error" if all(r.status == "error" for r in self.results) else "failed"

    @property
    def ids(self) -> set[str]:
        return {d.id for d in self.diagnoses}


@functools.cache
def run(kata_id: str, path: Path) -> Run:
    """The run of one file (cached: tests only read it)."""
    p = prepared(kata_id)
    calls = [Call(c.name, c.kwargs) for c in p.cases] + list(p.probes)
    outcome = _redact_hidden(p, run_outcome(p.kata, calls, path))
    results = case_results(p, outcome)
    inp = DiagnosisInput(
        kata=p.kata, cases=p.cases, results=results, outcome=outcome, reference=p.reference,
        reference_outputs=p.outputs, probes=p.probes,
        source=path.read_text(encoding="utf-8"), submission_name=path.name,
    )
    return Run(p, outcome, results, diagnose(inp), inp)


def _redact_hidden(p: Prepared, outcome: RunOutcome) -> RunOutcome:
    """As grading does: hidden cases' exception messages are dropped."""
    from dataclasses import replace

    hidden = {c.name for c in p.cases if c.spec.hidden}
    calls = tuple(
        replace(c, exception=replace(c.exception, message=""))
        if c.key in hidden and c.exception is not None else c
        for c in outcome.calls
    )
    return replace(outcome, calls=calls)


# -- snapshots --------------------------------------------------------------------------


def render(diagnoses: Sequence[Diagnosis]) -> str:
    """A plain, stable text of what the student reads."""
    out = []
    for d in diagnoses:
        out.append(f"[{d.id}] ({d.category}, {d.confidence})")
        out.append(f"title: {d.title}")
        for n in d.notes:
            out.append(f"note: {n}")
        if d.source is not None:
            out.append(f"line {d.source.line}: {d.source.text.strip()}")
        if d.reduced_axes is not None:
            out.append(f"axes: {d.reduced_axes} expected {d.expected_axes} ({d.layout})")
        for e in d.evidence:
            out.append(f"evidence: {e.label}: yours {e.yours} expected {e.expected}"
                       + (f" ({e.note})" if e.note else ""))
        out.append(f"help: {d.help}")
        if d.help_code:
            out.extend("    " + line for line in d.help_code.splitlines())
        if d.counterexample is not None:
            c = d.counterexample
            out.append(f"counterexample: {c.call}")
            out.append(f"    yours:     {c.yours}")
            out.append(f"    reference: {c.reference}")
        if d.cases:
            out.append(f"cases: {', '.join(d.cases)}")
        out.append("")
    return "\n".join(out)


def check_snapshot(path: Path, text: str) -> None:
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if os.environ.get("UPDATE_SNAPSHOTS") != "1":
            raise AssertionError(f"new snapshot written to {path}: review it and commit it")
    assert text == path.read_text(encoding="utf-8"), f"snapshot {path} differs"
