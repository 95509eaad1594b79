"""Timing advice: the student's function against the reference on a performance case.

A performance case (``performance: true``) is a timing, not a graded case:
the reference is timed when the kata is prepared (best of `PERFORMANCE_RUNS`),
the student's call runs last in its job on a budget of its own that ends once
it is clearly `slower_than` the reference (a timeout there means "slow", not
a failure), and the result carries the comparison as advice.  Only a kata
with ``performance.affects_score`` grades it: then the case fails when slow.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import msgspec

from normkatas.report.result import CaseResult, Performance
from normkatas.sandbox.types import CallOutcome, Limits
from normkatas.spec.model import Kata

if TYPE_CHECKING:
    from normkatas.grading.prepared import PreparedKata

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


def performance_limits(kata: Kata, limits: Limits, seconds: dict[str, float]) -> Limits:
    """The budget of the performance calls: long enough to tell "slow" for sure."""
    if not seconds:
        return limits
    budget = sum(
        max(PERFORMANCE_MIN_SECONDS, PERFORMANCE_MARGIN * kata.performance.slower_than * s)
        for s in seconds.values()
    )
    return dataclasses.replace(limits, performance_timeout=min(budget, PERFORMANCE_MAX_SECONDS))


def performance_of(prepared: PreparedKata, calls: dict[str, CallOutcome]) -> Performance | None:
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


def fail_slow(result: CaseResult) -> CaseResult:
    """A performance case that counts, and was too slow: failed."""
    return msgspec.structs.replace(result, status="failed", points=0.0)
