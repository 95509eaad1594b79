"""Grading corpus files IN-PROCESS through the real grading code.

`run(kata_id, path)` prepares the kata with `normkatas.grading.prepare.prepare`,
makes the real jobs (`make_jobs`: visible cases and probes, hidden cases),
runs each job's calls by importing the file here instead of in the sandbox,
and builds the `Result` with the real `build_result`: verdicts, hidden-case
redaction and the diagnosis are the grader's own.  Performance calls are not
made (a timing is not what these tests are about).  No tests live here.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import itertools
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from normkatas.diagnose import DiagnosisInput
from normkatas.grading.prepare import build_result, diagnosis_input, make_jobs
from normkatas.grading.prepare import prepare as prepare_kata
from normkatas.grading.prepared import PreparedKata
from normkatas.report.result import CaseResult, Diagnosis, Result
from normkatas.sandbox import steps
from normkatas.sandbox.capture import MAX_DEPTH
from normkatas.sandbox.codec import fresh_copy, hidden_reduction
from normkatas.sandbox.types import (
    ArrayValue,
    Call,
    CallOutcome,
    DictValue,
    ExceptionInfo,
    Job,
    NoneValue,
    OtherValue,
    RunOutcome,
    SequenceValue,
    TraceFrame,
    Value,
)
from normkatas.spec.inputs import MaterializedCase
from normkatas.spec.load import load_kata
from normkatas.spec.model import Kata
from tests.support import REPO

ROOT = REPO
KATAS = ROOT / "katas"
SOLUTIONS = ROOT / "solutions"
CORPUS = ROOT / "tests" / "corpus"
_counter = itertools.count()


@dataclass(frozen=True)
class Prepared:
    """The real prepared kata, with short names for the tests."""

    real: PreparedKata

    @property
    def kata(self) -> Kata:
        return self.real.kata

    @property
    def cases(self) -> list[MaterializedCase]:
        return self.real.cases

    @property
    def reference(self) -> Callable[..., list[np.ndarray]]:
        return self.real.reference

    @property
    def outputs(self) -> dict[str, list[np.ndarray]]:
        return self.real.reference_outputs

    @property
    def probes(self) -> list[Call]:
        return self.real.probes


@functools.cache
def prepared(kata_id: str) -> Prepared:
    kata = load_kata(KATAS / f"{kata_id}.yaml")
    return Prepared(prepare_kata(kata, [SOLUTIONS]))


# -- the sandbox's value conversion (sandbox/codec.py), in-process ---------------------


def to_value(obj: Any, depth: int = 0) -> Value:
    if obj is None:
        return NoneValue()
    if isinstance(obj, (bool, int, float, np.generic)) and not isinstance(obj, str):
        a = np.asarray(obj)
        if a.dtype.kind in "biuf":
            return ArrayValue(a.copy(), a.shape, a.dtype.str)
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind not in "biufc":
            return ArrayValue(None, obj.shape, obj.dtype.str, refused="not numeric")
        return ArrayValue(np.array(obj), obj.shape, obj.dtype.str)
    if isinstance(obj, (tuple, list)) and depth < MAX_DEPTH:  # (sandbox/capture.py)
        kind: Literal["tuple", "list"] = "tuple" if isinstance(obj, tuple) else "list"
        return SequenceValue(kind, tuple(to_value(o, depth + 1) for o in obj))
    if isinstance(obj, dict) and depth < MAX_DEPTH and all(type(k) is str for k in obj):
        return DictValue(tuple((k, to_value(v, depth + 1)) for k, v in obj.items()))
    return OtherValue(type(obj).__name__, repr(obj)[:80])


def _frames(exc: BaseException, path: Path) -> tuple[TraceFrame, ...]:
    frames = []
    for f in traceback.extract_tb(exc.__traceback__):
        if Path(f.filename).resolve() == path.resolve():
            frames.append(TraceFrame(f.filename, f.lineno or 0, f.name, (f.line or "").strip()))
    return tuple(frames)


def _import(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


Kept = dict[str, tuple[Any, dict[str, Any], int]]


def _call(
    fn: Callable[..., Any], call: Call, path: Path, module: Any = None, kept: Kept | None = None
) -> CallOutcome:
    """One call as the worker makes it; a sequence step with the worker's own helpers
    (`normkatas.sandbox.steps`): carried arguments, another function, chosen results."""
    kwargs = {k: fresh_copy(v) for k, v in call.kwargs.items()}
    before = {k: v.copy() for k, v in kwargs.items() if isinstance(v, np.ndarray)}
    step = call.step
    try:
        if step is not None:
            spec = {n: [c.call, c.kind, c.name, c.index] for n, c in step.carry.items()}
            try:
                carried = steps.carried(kept if kept is not None else {}, spec)
            except steps.NotRun:
                return CallOutcome(call.key, "not-run")
            steps.apply(kwargs, carried)
            fn = steps.function(module, step.function, fn)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            value = fn(**kwargs)
    except Exception as exc:
        info = ExceptionInfo(type(exc).__name__, str(exc), _frames(exc, path))
        return CallOutcome(call.key, "exception", exception=info)
    if step is not None:
        if kept is not None:
            kept[call.key] = (value, kwargs, step.outputs)
        value = steps.select(value, kwargs, [list(s) for s in step.send], step.outputs)
    mutated = tuple(
        k for k, v in before.items()
        if not np.array_equal(v, kwargs[k], equal_nan=v.dtype.kind == "f")
    )
    return CallOutcome(call.key, "ok", value=to_value(value), mutated=mutated)


def _defined(source: str) -> tuple[str, ...]:
    tree = ast.parse(source)
    return tuple(n.name for n in tree.body if isinstance(n, ast.FunctionDef))


def run_outcome(kata: Kata, calls: Sequence[Call], path: Path) -> RunOutcome:
    """What the sandbox would report for ``calls`` (performance calls are skipped)."""
    calls = [c for c in calls if c.group != "performance"]
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
    kept: Kept = {}
    return RunOutcome("ok", calls=tuple(_call(fn, c, path, module, kept) for c in calls),
                      defined_functions=_defined(source))


@dataclass
class Run:
    prepared: Prepared
    outcomes: list[RunOutcome]
    result: Result
    inp: DiagnosisInput

    @property
    def status(self) -> str:
        return self.result.status

    @property
    def results(self) -> list[CaseResult]:
        return list(self.result.cases)

    @property
    def diagnoses(self) -> list[Diagnosis]:
        return list(self.result.diagnoses)

    @property
    def ids(self) -> set[str]:
        return {d.id for d in self.result.diagnoses}


def _as_the_sandbox_sends(job: Job, outcome: RunOutcome) -> RunOutcome:
    """A hidden job's outcome reduced as the sandbox reduces it (arrays and statuses)."""
    reduce = hidden_reduction(job)
    return outcome if reduce is None else reduce(outcome)


@functools.cache
def run(kata_id: str, path: Path) -> Run:
    """The graded run of one file (cached: tests only read it)."""
    p = prepared(kata_id)
    (first,) = make_jobs(p.real, path)
    jobs = [first] if first.then is None else [first, first.then]
    outcomes = [_as_the_sandbox_sends(job, run_outcome(p.kata, job.calls, path)) for job in jobs]
    result = build_result(p.real, path, outcomes, display_name=path.name)
    hidden = outcomes[1] if len(outcomes) > 1 else None
    inp = diagnosis_input(p.real, result.cases, outcomes[0], hidden, path, path.name)
    return Run(p, outcomes, result, inp)


# -- a plain text of the diagnoses (for failure messages) -----------------------------


def describe(diagnoses: Sequence[Diagnosis]) -> str:
    out = []
    for d in diagnoses:
        out.append(f"[{d.id}] ({d.category}, {d.confidence}) {d.title}")
        out.extend(f"  note: {n}" for n in d.notes)
        for e in d.evidence:
            out.append(f"  evidence: {e.label}: yours {e.yours} expected {e.expected}")
        out.append(f"  help: {d.help}")
    return "\n".join(out)
