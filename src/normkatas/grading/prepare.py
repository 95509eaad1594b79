"""Orchestration: one submission through cases, sandbox, comparison and diagnosis.

A kata is *prepared* once (cases materialized, reference outputs computed,
probes planned) and then any number of submissions are graded against it.
Hidden cases run in a process of their own whose output is never shown, so
nothing a submission prints or raises can carry hidden data into a report.

Performance cases are timings (see `normkatas.grading.timing`); case verdicts and the
redaction of hidden cases are `normkatas.grading.verdicts`.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from normkatas._version import __version__
from normkatas.grading.prepared import PreparedKata
from normkatas.grading.reference import load_reference
from normkatas.grading.sequence import in_kata_order, prepare_sequences, sequence_result
from normkatas.grading.timing import PERFORMANCE_RUNS, fail_slow, performance_limits, performance_of
from normkatas.grading.verdicts import RUN_FAILURES, captured, case_result, file_names, redact
from normkatas.report.result import CaseResult, Diagnosis, Result, Status
from normkatas.sandbox.types import Call, Job, Limits, RunOutcome, result_budget
from normkatas.spec.inputs import materialize
from normkatas.spec.model import Kata

if TYPE_CHECKING:
    from normkatas.diagnose.context import DiagnosisInput


PROBE_SECONDS = 10.0
"""The probes' wall-clock limit: generous, so that a loaded machine does not cut them
short (the diagnosis ignores every probe when one of them timed out)."""


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
        from normkatas.diagnose.probes import plan_probes

        probes = list(plan_probes(kata, cases, memo))
    chosen = performance_limits(kata, kata_limits(kata, limits), seconds)
    sequences = prepare_sequences(kata, solutions_dirs, reference.function)
    return PreparedKata(kata, cases, reference, outputs, probes, chosen, seconds, memo,
                        sequences=sequences)


def kata_limits(kata: Kata, override: Limits | None) -> Limits:
    """Defaults, then the kata's own limits, then the command line's."""
    limits = Limits(probe_timeout=PROBE_SECONDS)
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
    """One job: the visible cases, probes and visible performance cases, then (``then``,
    in the same process once every visible result is in) the hidden cases and hidden
    performance cases, if any.  `job_outcomes` splits its outcome back."""
    if not prepared.job_calls:
        for hidden in (False, True):
            mine = [c for c in prepared.cases if c.spec.hidden == hidden]
            outputs = prepared.reference_outputs
            graded = [Call(c.name, c.kwargs, max_result_bytes=result_budget(
                          *outputs.get(c.name, ()), *c.kwargs.values()))
                      for c in mine if not c.spec.performance]
            rule = prepared.kata.performance
            timed = [
                Call(c.name, c.kwargs, "performance",
                     discard=not rule.affects_score,  # only timed: no value back
                     repeat=PERFORMANCE_RUNS,  # a slow run is confirmed, a fast one is enough
                     fast_enough=rule.slower_than * prepared.reference_seconds[c.name],
                     max_result_bytes=result_budget(*outputs.get(c.name, ()), *c.kwargs.values()))
                for c in mine if c.spec.performance
            ]
            probes = [] if hidden else [
                dataclasses.replace(p, max_result_bytes=result_budget(*p.kwargs.values()))
                if p.max_result_bytes is None else p
                for p in prepared.probes
            ]
            steps = [c for s in prepared.sequences if s.case.spec.hidden == hidden
                     for c in s.calls]
            prepared.job_calls[hidden] = (*graded, *steps, *probes, *timed)
    entry = prepared.kata.entry
    then = None
    if prepared.job_calls[True]:
        then = Job(submission, entry, prepared.job_calls[True], prepared.limits, hidden=True)
    return [Job(submission, entry, prepared.job_calls[False], prepared.limits, then=then)]


def job_outcomes(outcome: RunOutcome) -> list[RunOutcome]:
    """The visible job's outcome and, if there was one, the hidden job's."""
    return [outcome] if outcome.then is None else [outcome, outcome.then]


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
        calls.update({c.key: redact(c) for c in hidden.calls})
    run_failure = visible.status if visible.status in RUN_FAILURES else None

    files = file_names(submission, display_name)
    performance = performance_of(prepared, calls)
    affects = kata.performance.affects_score
    graded = [c for c in prepared.cases if affects or not c.spec.performance]  # graded_cases
    results = [
        case_result(prepared, case, calls.get(case.name), visible, files) for case in graded
    ]
    if performance is not None and performance.slow and affects:
        results = [fail_slow(r) if r.name == performance.case else r for r in results]
    single = results
    if prepared.sequences:
        not_run = visible.status if visible.status in RUN_FAILURES else "not-run"
        results = in_kata_order(kata, [*results, *(
            sequence_result(s, kata, calls, files, not_run) for s in prepared.sequences
        )])
    status: Status
    returned = any(r.status != "error" for r in results)
    if run_failure is not None or (results and not returned):
        status = "error"
    elif all(r.status == "passed" for r in results):
        status = "passed"
    else:
        status = "failed"

    diagnoses: list[Diagnosis] = []
    if diagnose and status != "passed":
        diagnoses = _diagnose(prepared, single, visible, hidden, submission, display_name,
                              results)

    warnings = list(dict.fromkeys([*visible.warnings, *(hidden.warnings if hidden else ())]))
    return Result(
        grader_version=__version__,
        kata=kata.id,
        kata_title=kata.title,
        submission=display_name,
        status=status,
        score=float(sum(r.points for r in results)),
        max_score=kata.max_score,
        cases=results,
        diagnoses=diagnoses,
        stdout=captured(visible.stdout, visible.stdout_total),
        stderr=captured(visible.stderr, visible.stderr_total),
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
            from normkatas.diagnose.engine import warm_up

            warm_up(prepared.kata, prepared.cases, prepared.probes, prepared.reference,
                    prepared.diagnosis_memo)

    for index, outcome in sandbox.run_many(jobs, while_waiting=idle):
        outcomes[index] = outcome
    done = [part for o in outcomes if o is not None for part in job_outcomes(o)]
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
    from normkatas.sandbox.values import as_outputs

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
    """The part of `normkatas.sandbox.Sandbox` grading uses."""

    def run_many(
        self, jobs: Iterable[Job], *, while_waiting: Callable[[], object] | None = None
    ) -> Iterator[tuple[int, RunOutcome]]: ...


def _diagnose(
    prepared: PreparedKata,
    results: list[CaseResult],
    visible: RunOutcome,
    hidden: RunOutcome | None,
    submission: Path,
    display_name: str,
    every: Sequence[CaseResult] = (),
) -> list[Diagnosis]:
    from normkatas.diagnose import diagnose

    inp = diagnosis_input(prepared, results, visible, hidden, submission, display_name)
    if not prepared.sequences:
        return list(diagnose(inp))
    from normkatas.grading.departure import diagnose_sequences

    return diagnose_sequences(inp, prepared, every, diagnose)


def diagnosis_input(
    prepared: PreparedKata,
    results: Sequence[CaseResult],
    visible: RunOutcome,
    hidden: RunOutcome | None,
    submission: Path,
    display_name: str,
) -> DiagnosisInput:
    """What the diagnosis of one submission gets (hidden calls redacted)."""
    from normkatas.diagnose import DiagnosisInput

    outcome = visible
    if hidden is not None:
        outcome = dataclasses.replace(
            visible, calls=visible.calls + tuple(redact(c) for c in hidden.calls)
        )
    try:
        source: str | None = submission.read_text(encoding="utf-8", errors="replace")
    except OSError:
        source = None
    return DiagnosisInput(
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
