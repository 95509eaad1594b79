"""Orchestration: one submission through cases, sandbox, comparison and diagnosis.

A kata is *prepared* once (cases materialized, reference outputs computed,
probes planned) and then any number of submissions are graded against it.
Hidden cases run in a process of their own whose output is never shown, so
nothing a submission prints or raises can carry hidden data into a report.

Performance cases (``performance: true``) are timings, not graded cases:
the reference is timed on them here (best of `PERFORMANCE_RUNS`), the
student's call runs last in its job, on a budget of its own that ends once
it is clearly `slower_than` the reference (a timeout there means "slow", not
a failure), and the result carries the comparison as advice
(`Result.performance`).  Only a kata with ``performance.affects_score``
grades them: then the case is scored, and fails when slow.
"""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import msgspec
import numpy as np

from grader import __version__
from grader.cases import MaterializedCase, describe, materialize
from grader.compare import compare_case
from grader.reference import Reference, load_reference
from grader.result import (
    Captured,
    CaseResult,
    Diagnosis,
    ErrorInfo,
    Frame,
    Performance,
    Result,
    Status,
)
from grader.sandbox.types import (
    Call,
    CallOutcome,
    ExceptionInfo,
    Job,
    Limits,
    OtherValue,
    RunOutcome,
    SequenceValue,
    Value,
)
from grader.spec.model import Kata

RUN_FAILURES = ("syntax-error", "import-error", "missing-function")
PERFORMANCE_RUNS = 3
"""The reference's time on a performance case is the fastest of this many calls; the
student's call is repeated (up to this many runs, within the budget) while it looks
slow, and its fastest run counts."""
PERFORMANCE_MARGIN = 2.0
"""The student's performance call is stopped after this many times `slower_than` x the
reference's time: by then it is slow for sure..."""
PERFORMANCE_MIN_SECONDS = 0.05
"""...but never sooner than this (timer resolution, a busy machine)..."""
PERFORMANCE_MAX_SECONDS = 2.0
"""...and never later than this."""
PERFORMANCE_MIN_GAP_SECONDS = 0.01
"""A slower call is only called slow when it also loses this much time: a millisecond
reference makes ratios of scheduler hiccups, which no student should be told about."""


@dataclass
class PreparedKata:
    """Everything about a kata that does not depend on the submission."""

    kata: Kata
    cases: list[MaterializedCase]
    reference: Reference
    reference_outputs: dict[str, list[np.ndarray]]
    probes: list[Call] = field(default_factory=list)
    limits: Limits = field(default_factory=Limits)
    reference_seconds: dict[str, float] = field(default_factory=dict)
    """Performance case -> the reference's best time on it."""
    diagnosis_memo: dict[str, Any] = field(default_factory=dict)
    """What the diagnosis computes once per kata (see `DiagnosisInput.memo`)."""
    descriptions: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    """Case -> its inputs described (``CaseResult.inputs``), filled on first use."""
    job_calls: dict[bool, tuple[Call, ...]] = field(default_factory=dict, repr=False)
    """hidden? -> the calls of that job: one tuple for every submission (the sandbox
    encodes a tuple it has seen before only once)."""

    @property
    def output_names(self) -> list[str]:
        return [o.name for o in self.kata.returns]


def prepare(
    kata: Kata,
    solutions_dirs: Sequence[Path],
    *,
    limits: Limits | None = None,
    diagnose: bool = True,
) -> PreparedKata:
    cases = materialize(kata)
    reference = load_reference(kata, solutions_dirs)
    outputs: dict[str, list[np.ndarray]] = {}
    seconds: dict[str, float] = {}
    for case in cases:
        if case.spec.performance:
            outputs[case.name], seconds[case.name] = reference.timed(
                case.kwargs, PERFORMANCE_RUNS
            )
        else:
            outputs[case.name] = reference(**case.kwargs)
    probes: list[Call] = []
    memo: dict[str, Any] = {}
    if diagnose and kata.structure is not None:
        from grader.diagnose.probes import plan_probes

        probes = list(plan_probes(kata, cases, memo))
    chosen = performance_limits(kata, kata_limits(kata, limits), seconds)
    return PreparedKata(kata, cases, reference, outputs, probes, chosen, seconds, memo)


def performance_limits(kata: Kata, limits: Limits, seconds: dict[str, float]) -> Limits:
    """The budget of the performance calls: long enough to tell "slow" for sure."""
    if not seconds:
        return limits
    budget = sum(
        max(PERFORMANCE_MIN_SECONDS, PERFORMANCE_MARGIN * kata.performance.slower_than * s)
        for s in seconds.values()
    )
    return dataclasses.replace(limits, performance_timeout=min(budget, PERFORMANCE_MAX_SECONDS))


def kata_limits(kata: Kata, override: Limits | None) -> Limits:
    """Defaults, then the kata's own limits, then the command line's."""
    limits = Limits()
    if kata.limits.timeout is not None:
        limits = dataclasses.replace(limits, timeout=kata.limits.timeout)
    if kata.limits.memory_mb is not None:
        limits = dataclasses.replace(limits, memory_mb=kata.limits.memory_mb)
    if override is not None:
        defaults = Limits()
        changed = {
            f.name: getattr(override, f.name)
            for f in dataclasses.fields(Limits)
            if getattr(override, f.name) != getattr(defaults, f.name)
        }
        limits = dataclasses.replace(limits, **changed)
    return limits


def make_jobs(prepared: PreparedKata, submission: Path) -> list[Job]:
    """The visible job (visible cases, probes, visible performance cases) and, if any,
    the hidden one (hidden cases, hidden performance cases)."""
    if not prepared.job_calls:
        for hidden in (False, True):
            mine = [c for c in prepared.cases if c.spec.hidden == hidden]
            graded = [Call(c.name, c.kwargs) for c in mine if not c.spec.performance]
            rule = prepared.kata.performance
            timed = [
                Call(c.name, c.kwargs, "performance",
                     discard=not rule.affects_score,  # only timed: no value back
                     repeat=PERFORMANCE_RUNS,  # a slow run is confirmed, a fast one is enough
                     fast_enough=rule.slower_than * prepared.reference_seconds[c.name])
                for c in mine if c.spec.performance
            ]
            probes = [] if hidden else prepared.probes
            prepared.job_calls[hidden] = (*graded, *probes, *timed)
    entry = prepared.kata.entry
    jobs = [Job(submission, entry, prepared.job_calls[False], prepared.limits)]
    if prepared.job_calls[True]:
        jobs.append(Job(submission, entry, prepared.job_calls[True], prepared.limits))
    return jobs


def build_result(
    prepared: PreparedKata,
    submission: Path,
    outcomes: Sequence[RunOutcome],
    *,
    display_name: str,
    diagnose: bool = True,
    started: float | None = None,
) -> Result:
    kata = prepared.kata
    visible = outcomes[0]
    hidden = outcomes[1] if len(outcomes) > 1 else None
    calls = {c.key: c for c in visible.calls}
    if hidden is not None:
        calls.update({c.key: _redact(c) for c in hidden.calls})
    run_failure = visible.status if visible.status in RUN_FAILURES else None

    files = _file_names(submission, display_name)
    performance = _performance(prepared, calls)
    affects = kata.performance.affects_score
    graded = [c for c in prepared.cases if affects or not c.spec.performance]  # graded_cases
    results = [
        _case_result(prepared, case, calls.get(case.name), visible, files) for case in graded
    ]
    if performance is not None and performance.slow and affects:
        results = [_slow(r) if r.name == performance.case else r for r in results]
    scored = results
    status: Status
    returned = any(r.status != "error" for r in scored)
    if run_failure is not None or (scored and not returned):
        status = "error"
    elif all(r.status == "passed" for r in scored):
        status = "passed"
    else:
        status = "failed"

    diagnoses: list[Diagnosis] = []
    if diagnose and status != "passed":
        diagnoses = _diagnose(prepared, results, visible, hidden, submission, display_name)

    warnings = list(dict.fromkeys([*visible.warnings, *(hidden.warnings if hidden else ())]))
    return Result(
        grader_version=__version__,
        kata=kata.id,
        kata_title=kata.title,
        submission=display_name,
        status=status,
        score=float(sum(r.points for r in scored)),
        max_score=kata.max_score,
        cases=results,
        diagnoses=diagnoses,
        stdout=_captured(visible.stdout, visible.stdout_total),
        stderr=_captured(visible.stderr, visible.stderr_total),
        performance=performance,
        warnings=warnings,
        duration_ms=(time.perf_counter() - started) * 1000 if started is not None else 0.0,
    )


def grade_submission(
    submission: Path,
    prepared: PreparedKata,
    sandbox: SandboxLike,
    *,
    display_name: str | None = None,
    diagnose: bool = True,
    while_waiting: Callable[[], object] | None = None,
) -> Result:
    return grade_with_outcomes(
        submission, prepared, sandbox, display_name=display_name, diagnose=diagnose,
        while_waiting=while_waiting,
    )[0]


def grade_with_outcomes(
    submission: Path,
    prepared: PreparedKata,
    sandbox: SandboxLike,
    *,
    display_name: str | None = None,
    diagnose: bool = True,
    while_waiting: Callable[[], object] | None = None,
) -> tuple[Result, list[RunOutcome]]:
    """The result, and the raw outcomes it was built from (for views of the arrays).

    ``while_waiting``: the caller's work to overlap with the student's code (the
    diagnosis is imported and warmed up then too, when it may be needed).
    """
    started = time.perf_counter()
    jobs = make_jobs(prepared, submission)
    outcomes: list[RunOutcome | None] = [None] * len(jobs)

    def idle() -> None:
        if while_waiting is not None:
            while_waiting()
        if diagnose:  # what a failing submission's diagnosis needs, whatever the submission
            from grader.diagnose.engine import warm_up

            warm_up(prepared.kata, prepared.cases, prepared.probes, prepared.reference,
                    prepared.diagnosis_memo)

    for index, outcome in sandbox.run_many(jobs, while_waiting=idle):
        outcomes[index] = outcome
    done = [o for o in outcomes if o is not None]
    result = build_result(
        prepared,
        submission,
        done,
        display_name=display_name or str(submission),
        diagnose=diagnose,
        started=started,
    )
    return result, done


def failing_outputs(
    prepared: PreparedKata, result: Result, outcomes: Sequence[RunOutcome]
) -> dict[str, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """Student and reference outputs of the visible failing cases, where shapes agree.

    Only the visible job's outcome is read: hidden cases never reach a view.
    """
    from grader.compare import as_outputs

    calls = {c.key: c for c in outcomes[0].calls} if outcomes else {}
    names = prepared.output_names
    views: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = {}
    for case in result.cases:
        call = calls.get(case.name)
        if case.hidden or case.status != "failed" or call is None:
            continue
        yours = as_outputs(call.value, len(names))
        if yours is None:
            continue
        pairs = {
            name: (mine, ref)
            for name, mine, ref in zip(
                names, yours, prepared.reference_outputs[case.name], strict=True
            )
            if mine.shape == ref.shape
        }
        if pairs:
            views[case.name] = pairs
    return views


class SandboxLike(Protocol):
    """The part of `grader.sandbox.Sandbox` grading uses."""

    def run_many(
        self, jobs: Iterable[Job], *, while_waiting: Callable[[], object] | None = None
    ) -> Iterator[tuple[int, RunOutcome]]: ...


def _performance(prepared: PreparedKata, calls: dict[str, CallOutcome]) -> Performance | None:
    """The student's time against the reference's on the performance case(s) (the
    slowest ratio); None without a timing (no such case, or the call failed)."""
    rule = prepared.kata.performance
    found: list[Performance] = []
    for name, reference in prepared.reference_seconds.items():
        call = calls.get(name)
        if call is None or call.status not in ("ok", "timeout"):
            continue
        timed_out = call.status == "timeout"
        yours = prepared.limits.performance_timeout if timed_out else call.duration
        ratio = yours / max(reference, 1e-9)
        found.append(Performance(
            case=name,
            yours_ms=round(yours * 1000, 3),
            reference_ms=round(reference * 1000, 3),
            ratio=round(ratio, 2),
            slow=timed_out or (
                ratio > rule.slower_than and yours - reference > PERFORMANCE_MIN_GAP_SECONDS
            ),
            affects_score=rule.affects_score,
            timed_out=timed_out,
        ))
    return max(found, key=lambda p: p.ratio) if found else None


def _slow(result: CaseResult) -> CaseResult:
    """A performance case that counts, and was too slow: failed."""
    return msgspec.structs.replace(result, status="failed", points=0.0)


def _case_result(
    prepared: PreparedKata,
    case: MaterializedCase,
    call: CallOutcome | None,
    visible: RunOutcome,
    files: dict[str, str],
) -> CaseResult:
    spec = case.spec
    base = CaseResult(
        name=case.name,
        status="error",
        points=0.0,
        max_points=spec.points,
        hidden=spec.hidden,
        example=spec.example,
        note="" if spec.hidden else spec.note,
        inputs={} if spec.hidden else _described(prepared, case),
    )
    if call is None or call.status == "not-run":
        kind = visible.status if visible.status in RUN_FAILURES else "not-run"
        return msgspec.structs.replace(base, error=ErrorInfo(kind=kind))  # type: ignore[arg-type]
    duration = call.duration * 1000
    if call.status != "ok":
        return msgspec.structs.replace(
            base, error=_error_info(call.status, call.exception, files), duration_ms=duration
        )
    tol = spec.tolerance or prepared.kata.tolerance
    verdict = compare_case(
        call.value,
        prepared.reference_outputs[case.name],
        prepared.output_names,
        tol,
        hidden=spec.hidden,
    )
    mutated = list(call.mutated) if not prepared.kata.allow_mutation else []
    passed = verdict.passed and not mutated
    error = None
    if verdict.problem in ("returned-none", "wrong-return-type", "refused"):
        error = ErrorInfo(kind="invalid-output", type=verdict.problem or "")
    return msgspec.structs.replace(
        base,
        status="passed" if passed else "failed",
        points=spec.points if passed else 0.0,
        mismatches=verdict.mismatches,
        error=error,
        mutated=mutated,
        duration_ms=duration,
    )


def _described(prepared: PreparedKata, case: MaterializedCase) -> dict[str, str]:
    """The case's inputs in words (the same for every submission: kept)."""
    known = prepared.descriptions.get(case.name)
    if known is None:
        known = {k: describe(v) for k, v in case.kwargs.items()}
        prepared.descriptions[case.name] = known
    return dict(known)


def _file_names(submission: Path, display_name: str) -> dict[str, str]:
    """The submission's path as the sandbox reports it -> as the user named it."""
    names = {str(submission): display_name}
    with contextlib.suppress(OSError):
        names[str(submission.resolve())] = display_name
    return names


def _error_info(kind: str, exc: ExceptionInfo | None, files: dict[str, str]) -> ErrorInfo:
    if exc is None:
        return ErrorInfo(kind=kind)  # type: ignore[arg-type]
    return ErrorInfo(
        kind=kind,  # type: ignore[arg-type]
        type=exc.type,
        message=exc.message,
        frames=[
            Frame(file=files.get(f.file, f.file), line=f.line, function=f.function,
                  source=f.source)
            for f in exc.frames
        ],
        line=exc.line,
        column=exc.column,
        source=exc.source,
    )


_BUILTIN_TYPES = frozenset(n for n, v in vars(builtins).items() if isinstance(v, type))


def _redact(call: CallOutcome) -> CallOutcome:
    """A hidden case's outcome without any text the submission wrote.

    The exception's message goes; type names stay only when they are Python's
    own (a class the submission made, ``type(f"E{X[0]}", ...)``, could spell
    the inputs), and what the function returned keeps no repr.
    """
    exc = call.exception
    if exc is not None:
        kind = exc.type if exc.type in _BUILTIN_TYPES else "Exception"
        exc = dataclasses.replace(exc, message="", type=kind)
    value = _redact_value(call.value) if call.value is not None else None
    return dataclasses.replace(call, exception=exc, value=value)


def _redact_value(value: Value) -> Value:
    if isinstance(value, OtherValue):
        return OtherValue(value.type_name if value.type_name in _BUILTIN_TYPES else "object")
    if isinstance(value, SequenceValue):
        return dataclasses.replace(value, items=tuple(_redact_value(v) for v in value.items))
    return value


def _captured(data: bytes, total: int) -> Captured:
    return Captured(
        text=data.decode("utf-8", errors="replace"),
        truncated=total > len(data),
        total_bytes=max(total, len(data)),
    )


def _diagnose(
    prepared: PreparedKata,
    results: list[CaseResult],
    visible: RunOutcome,
    hidden: RunOutcome | None,
    submission: Path,
    display_name: str,
) -> list[Diagnosis]:
    from grader.diagnose import DiagnosisInput, diagnose

    outcome = visible
    if hidden is not None:
        outcome = dataclasses.replace(
            visible, calls=visible.calls + tuple(_redact(c) for c in hidden.calls)
        )
    try:
        source: str | None = submission.read_text(encoding="utf-8", errors="replace")
    except OSError:
        source = None
    return list(
        diagnose(
            DiagnosisInput(
                kata=prepared.kata,
                cases=prepared.cases,
                results=results,
                outcome=outcome,
                reference=prepared.reference,
                reference_outputs=prepared.reference_outputs,
                probes=prepared.probes,
                source=source,
                submission_name=display_name,
                memo=prepared.diagnosis_memo,
            )
        )
    )
