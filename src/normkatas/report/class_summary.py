"""The class summary: what a batch run found, as data (renderers lay it out).

Built from the students' `Result`s by `summarize`: per kata, the pass rate of
each case, the score distribution and how many students made each mistake
(diagnosis ids with their titles); per student, one line of the gradebook.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Literal

import msgspec

from normkatas._version import __version__
from normkatas.report.insights import ClassInsights, class_insights
from normkatas.report.result import Result

CLASS_CONTRACT_VERSION = "1.0"
StudentStatus = Literal["passed", "failed", "error", "unmatched"]
HISTOGRAM_BINS = 10


class _Model(msgspec.Struct, kw_only=True):
    pass


class StudentSummary(_Model):
    student: str
    key: str
    """Unique in the run; the anchor of the student's details and ``results/<key>.json``."""
    file: str
    status: StudentStatus
    kata: str = ""
    score: float = 0.0
    max_score: float = 0.0
    percent: float = 0.0
    diagnoses: list[str] = msgspec.field(default_factory=list)
    error: str = ""
    """For an ``error`` status, the kind of failure (``timeout``, ``syntax-error``...)."""
    message: str = ""
    """For an ``unmatched`` file, why no kata was found."""
    sha256: str = ""
    resumed: bool = False
    """Taken from an earlier, interrupted run (``--resume``)."""
    failed_cases: list[str] = msgspec.field(default_factory=list)
    """Cases that did not pass (what a regrade compares)."""
    case_points: dict[str, float] = msgspec.field(default_factory=dict)
    """Points per case, out of `case_max_points` (what a regrade compares)."""
    case_max_points: dict[str, float] = msgspec.field(default_factory=dict)


class IgnoredFile(_Model):
    student: str
    file: str
    message: str


class Bin(_Model):
    low: int
    high: int
    """Percent of the maximum score, ``low <= p < high`` (the last bin includes 100)."""
    count: int


class CaseStat(_Model):
    name: str
    passed: int
    total: int
    rate: float
    hidden: bool = False


class MistakeStat(_Model):
    id: str
    title: str
    count: int
    total: int
    category: str = ""
    students: list[str] = msgspec.field(default_factory=list)


class KataSummary(_Model):
    kata: str
    submissions: int
    passed: int
    failed: int
    errors: int
    mean_percent: float
    median_percent: float
    histogram: list[Bin]
    cases: list[CaseStat]
    mistakes: list[MistakeStat]
    title: str = ""
    error_kinds: dict[str, int] = msgspec.field(default_factory=dict)


class ClassSummary(_Model):
    submissions: int
    """Graded submissions (unmatched files excluded)."""
    passed: int
    failed: int
    errors: int
    unmatched: int
    version: str = CLASS_CONTRACT_VERSION
    grader_version: str = __version__
    pending: int = 0
    """Submissions not graded because the run was interrupted."""
    interrupted: bool = False
    duration_s: float = 0.0
    mean_percent: float = 0.0
    histogram: list[Bin] = msgspec.field(default_factory=list)
    katas: list[KataSummary] = msgspec.field(default_factory=list)
    students: list[StudentSummary] = msgspec.field(default_factory=list)
    ignored: list[IgnoredFile] = msgspec.field(default_factory=list)
    warnings: list[str] = msgspec.field(default_factory=list)
    """For the operator: e.g. the student code ran without the sandbox's protections."""
    insights: ClassInsights = msgspec.field(default_factory=ClassInsights)
    """Clusters, per-case difficulty, similar outputs, regrade (`normkatas.report.insights`)."""

    @property
    def files(self) -> int:
        """Every student file of the folder: graded, with no kata, or not graded yet."""
        return self.submissions + self.unmatched + self.pending

    @property
    def all_passed(self) -> bool:
        return (
            self.submissions > 0
            and self.passed == self.submissions
            and not self.unmatched
            and not self.pending
        )


def percent(result: Result) -> float:
    if result.max_score > 0:
        return round(100.0 * result.score / result.max_score, 2)
    return 100.0 if result.status == "passed" else 0.0


def error_kind(result: Result) -> str:
    """Why an errored result could not run: its most frequent failure, ``not-run`` last."""
    if result.status != "error":
        return ""
    kinds: list[str] = [c.error.kind for c in result.cases if c.error is not None]
    ran = [k for k in kinds if k != "not-run"] or kinds
    if not ran:
        return "error"
    return max(dict.fromkeys(ran), key=ran.count)


def student_summary(
    student: str, key: str, sha256: str, result: Result, *, resumed: bool = False
) -> StudentSummary:
    return StudentSummary(
        student=student,
        key=key,
        file=result.submission,
        kata=result.kata,
        status=result.status,
        score=result.score,
        max_score=result.max_score,
        percent=percent(result),
        diagnoses=list(dict.fromkeys(d.id for d in result.diagnoses)),
        error=error_kind(result),
        sha256=sha256,
        resumed=resumed,
        failed_cases=[c.name for c in result.cases if c.status != "passed"],
        case_points={c.name: c.points for c in result.cases},
        case_max_points={c.name: c.max_points for c in result.cases},
    )


def histogram(percents: Sequence[float]) -> list[Bin]:
    width = 100 // HISTOGRAM_BINS
    counts = [0] * HISTOGRAM_BINS
    for p in percents:
        counts[min(HISTOGRAM_BINS - 1, max(0, int(p // width)))] += 1
    return [Bin(low=i * width, high=(i + 1) * width, count=n) for i, n in enumerate(counts)]


def summarize(
    students: Sequence[StudentSummary],
    results: Mapping[str, Result],
    *,
    ignored: Sequence[IgnoredFile] = (),
    pending: int = 0,
    interrupted: bool = False,
    duration_s: float = 0.0,
) -> ClassSummary:
    """`results` maps a student's ``key`` to their result (unmatched files have none)."""
    graded = [s for s in students if s.status != "unmatched"]
    by_kata: dict[str, list[StudentSummary]] = {}
    for s in graded:
        by_kata.setdefault(s.kata, []).append(s)
    percents = [s.percent for s in graded]
    return ClassSummary(
        submissions=len(graded),
        passed=sum(s.status == "passed" for s in graded),
        failed=sum(s.status == "failed" for s in graded),
        errors=sum(s.status == "error" for s in graded),
        unmatched=len(students) - len(graded),
        pending=pending,
        interrupted=interrupted,
        duration_s=round(duration_s, 3),
        mean_percent=round(statistics.fmean(percents), 2) if percents else 0.0,
        histogram=histogram(percents),
        katas=[_kata_summary(k, group, results) for k, group in sorted(by_kata.items())],
        students=list(students),
        ignored=list(ignored),
        insights=class_insights(students, results),
    )


def _kata_summary(
    kata: str, group: Sequence[StudentSummary], results: Mapping[str, Result]
) -> KataSummary:
    mine = [results[s.key] for s in group if s.key in results]
    percents = [s.percent for s in group]
    kinds: dict[str, int] = {}
    for s in group:
        if s.error:
            kinds[s.error] = kinds.get(s.error, 0) + 1
    return KataSummary(
        kata=kata,
        title=next((r.kata_title for r in mine if r.kata_title), ""),
        submissions=len(group),
        passed=sum(s.status == "passed" for s in group),
        failed=sum(s.status == "failed" for s in group),
        errors=sum(s.status == "error" for s in group),
        mean_percent=round(statistics.fmean(percents), 2) if percents else 0.0,
        median_percent=round(statistics.median(percents), 2) if percents else 0.0,
        histogram=histogram(percents),
        cases=_case_stats(mine),
        mistakes=_mistakes(group, results),
        error_kinds=dict(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def _case_stats(results: Sequence[Result]) -> list[CaseStat]:
    order: dict[str, bool] = {}
    passed: dict[str, int] = {}
    total: dict[str, int] = {}
    for result in results:
        for case in result.cases:
            order.setdefault(case.name, case.hidden)
            total[case.name] = total.get(case.name, 0) + 1
            passed[case.name] = passed.get(case.name, 0) + (case.status == "passed")
    return [
        CaseStat(
            name=name,
            hidden=hidden,
            passed=passed[name],
            total=total[name],
            rate=round(passed[name] / total[name], 4),
        )
        for name, hidden in order.items()
    ]


def _mistakes(group: Sequence[StudentSummary], results: Mapping[str, Result]) -> list[MistakeStat]:
    """Diagnosed misconceptions, most frequent first.

    Execution failures (a crash, a timeout, an exception) are counted in
    `KataSummary.error_kinds` instead: their titles quote each student's
    own error.  A mistake's title is the one most students got.
    """
    found: dict[str, MistakeStat] = {}
    titles: dict[str, Counter[str]] = {}
    for s in group:
        result = results.get(s.key)
        if result is None:
            continue
        for d in {d.id: d for d in result.diagnoses if d.category != "execution"}.values():
            stat = found.get(d.id)
            if stat is None:
                stat = found[d.id] = MistakeStat(
                    id=d.id, title=d.title, category=d.category, count=0, total=len(group)
                )
                titles[d.id] = Counter()
            stat.count += 1
            stat.students.append(s.student)
            titles[d.id][d.title] += 1
    for mistake_id, stat in found.items():
        stat.title = titles[mistake_id].most_common(1)[0][0]
    return sorted(found.values(), key=lambda m: (-m.count, m.id))
