"""What a class thinks, as data: misconception clusters, per-case difficulty, similar
outputs and, when the same folder is graded again, whose score changed and why.

Everything here is computed from the students' `Result`s (and, for a regrade,
the summary of the earlier run); renderers lay it out.

**Similarity is a hint, never a verdict.**  A class run keeps, per student and
case, a digest of the values the submission returned (`Result.fingerprint`).
Students whose *wrong* outputs agree bit for bit on every case that both got
wrong (at least `MIN_AGREEING` of them) are listed for a person to look at the
two files.  Two independent mistakes rarely agree to the last bit, while copied
code does whatever its variables are called; but the same common mistake,
written the same way, can give the same bits too, so the listing shows how many
students share the output and which diagnoses they share.  Right answers are
never compared: a case a student passed says nothing about where the code came
from.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import msgspec

from normkatas.report.result import Result

if TYPE_CHECKING:
    from normkatas.report.class_summary import ClassSummary, StudentSummary

MIN_AGREEING = 2
"""Wrong cases two students must agree on, bit for bit, to be listed."""


class _Model(msgspec.Struct, kw_only=True):
    pass


class Cluster(_Model):
    """Students of one kata with the same set of diagnosed mistakes."""

    kata: str
    diagnoses: list[str]
    titles: list[str]
    students: list[str]
    keys: list[str]
    representative: str
    """The key of one student of the cluster, whose report shows the mistakes."""


class Together(_Model):
    """Two mistakes diagnosed in the same students."""

    kata: str
    first: str
    second: str
    count: int


class CaseDifficulty(_Model):
    """The students who fail this case and no other one: the case that catches them."""

    kata: str
    case: str
    hidden: bool = False
    failed: int = 0
    """Students who fail this case at all."""
    only: list[str] = msgspec.field(default_factory=list)
    keys: list[str] = msgspec.field(default_factory=list)


class Similar(_Model):
    """Students whose wrong outputs agree to the last bit: a hint to look, not a verdict."""

    kata: str
    students: list[str]
    keys: list[str]
    fingerprint: str
    """A short digest of the shared wrong outputs (the same for every student listed)."""
    cases: list[str]
    """The wrong cases on which every one of them returned exactly the same values."""
    hidden_cases: int = 0
    shared_diagnoses: list[str] = msgspec.field(default_factory=list)


class PointsChange(_Model):
    case: str
    before: float | None
    """None: the case is new."""
    after: float | None
    """None: the case was removed."""
    max_before: float | None = None
    max_after: float | None = None


class ScoreChange(_Model):
    """A student whose result differs from the earlier run of the same folder."""

    student: str
    key: str
    kata: str
    before: float
    after: float
    max_before: float
    max_after: float
    status_before: str
    status_after: str
    now_failing: list[str] = msgspec.field(default_factory=list)
    now_passing: list[str] = msgspec.field(default_factory=list)
    diagnoses_added: list[str] = msgspec.field(default_factory=list)
    diagnoses_removed: list[str] = msgspec.field(default_factory=list)
    points: list[PointsChange] = msgspec.field(default_factory=list)
    """Cases worth a different number of points (the kata changed), or new or removed."""
    file_changed: bool = False
    """The submission itself changed between the runs (not only the kata)."""


class Regrade(_Model):
    earlier_grader_version: str = ""
    compared: int = 0
    """Students present in both runs."""
    changes: list[ScoreChange] = msgspec.field(default_factory=list)
    new: list[str] = msgspec.field(default_factory=list)
    gone: list[str] = msgspec.field(default_factory=list)


class ClassInsights(_Model):
    clusters: list[Cluster] = msgspec.field(default_factory=list)
    together: list[Together] = msgspec.field(default_factory=list)
    difficulty: list[CaseDifficulty] = msgspec.field(default_factory=list)
    similar: list[Similar] = msgspec.field(default_factory=list)
    regrade: Regrade | None = None


def _mistakes(result: Result) -> list[str]:
    return list(dict.fromkeys(d.id for d in result.diagnoses if d.category != "execution"))


def clusters(students: Sequence[StudentSummary], results: Mapping[str, Result]) -> list[Cluster]:
    """Students grouped by their exact set of mistakes, biggest group first."""
    found: dict[tuple[str, tuple[str, ...]], Cluster] = {}
    for s in students:
        result = results.get(s.key)
        if result is None or result.status == "passed":
            continue
        ids = _mistakes(result)
        if not ids:
            continue
        key = (s.kata, tuple(sorted(ids)))
        titles = {d.id: d.title for d in result.diagnoses}
        cluster = found.get(key)
        if cluster is None:
            cluster = found[key] = Cluster(
                kata=s.kata, diagnoses=sorted(ids), titles=[titles[i] for i in sorted(ids)],
                students=[], keys=[], representative=s.key,
            )
        cluster.students.append(s.student)
        cluster.keys.append(s.key)
    return sorted(found.values(), key=lambda c: (c.kata, -len(c.students), c.diagnoses))


def together(students: Sequence[StudentSummary], results: Mapping[str, Result]) -> list[Together]:
    counts: dict[tuple[str, str, str], int] = {}
    for s in students:
        result = results.get(s.key)
        if result is None:
            continue
        for a, b in itertools.combinations(sorted(_mistakes(result)), 2):
            counts[(s.kata, a, b)] = counts.get((s.kata, a, b), 0) + 1
    return [Together(kata=k, first=a, second=b, count=n)
            for (k, a, b), n in sorted(counts.items(), key=lambda kv: (kv[0][0], -kv[1], kv[0]))]


def difficulty(
    students: Sequence[StudentSummary], results: Mapping[str, Result]
) -> list[CaseDifficulty]:
    table: dict[tuple[str, str], CaseDifficulty] = {}
    for s in students:
        result = results.get(s.key)
        if result is None:
            continue
        for case in result.cases:
            table.setdefault((s.kata, case.name),
                             CaseDifficulty(kata=s.kata, case=case.name, hidden=case.hidden))
        failing = [c for c in result.cases if c.status != "passed"]
        for case in failing:
            table[(s.kata, case.name)].failed += 1
        if len(failing) == 1 and len(result.cases) > 1:
            entry = table[(s.kata, failing[0].name)]
            entry.only.append(s.student)
            entry.keys.append(s.key)
    return list(table.values())


def _wrong_outputs(result: Result) -> dict[str, str]:
    """Digests of the cases the student returned a wrong value on (never a right one)."""
    return {
        c.name: result.fingerprint[c.name]
        for c in result.cases
        if c.status == "failed" and c.error is None and c.name in result.fingerprint
    }


def similar(students: Sequence[StudentSummary], results: Mapping[str, Result]) -> list[Similar]:
    """Groups of students whose wrong outputs agree bit for bit (see the module's notes)."""
    wrong: dict[str, dict[str, str]] = {}
    by_kata: dict[str, list[StudentSummary]] = {}
    for s in students:
        result = results.get(s.key)
        if result is None or result.status == "passed":
            continue
        outputs = _wrong_outputs(result)
        if len(outputs) >= MIN_AGREEING:
            wrong[s.key] = outputs
            by_kata.setdefault(s.kata, []).append(s)
    out = []
    for kata, group in sorted(by_kata.items()):
        parent = {s.key: s.key for s in group}
        for a, b in itertools.combinations(group, 2):
            wa, wb = wrong[a.key], wrong[b.key]
            both = wa.keys() & wb.keys()
            if len(both) >= MIN_AGREEING and all(wa[c] == wb[c] for c in both):
                parent[_root(parent, a.key)] = _root(parent, b.key)
        members: dict[str, list[StudentSummary]] = {}
        for s in group:
            members.setdefault(_root(parent, s.key), []).append(s)
        for found in members.values():
            if len(found) > 1:
                out.append(_similar(kata, found, wrong, results))
    return out


def _root(parent: dict[str, str], key: str) -> str:
    """Union-find: the representative of `key`'s group."""
    while parent[key] != key:
        parent[key] = parent[parent[key]]
        key = parent[key]
    return key


def _similar(
    kata: str, found: list[StudentSummary], wrong: Mapping[str, Mapping[str, str]],
    results: Mapping[str, Result],
) -> Similar:
    shared = set.intersection(*(set(wrong[s.key].items()) for s in found))
    cases = [c.name for c in results[found[0].key].cases if (c.name, wrong[found[0].key].get(
        c.name)) in shared]
    hidden = {c.name for c in results[found[0].key].cases if c.hidden}
    h = hashlib.blake2b(digest_size=6)
    for name in cases:
        h.update(f"{name}={wrong[found[0].key][name]};".encode())
    diagnoses = set.intersection(*(set(_mistakes(results[s.key])) for s in found))
    return Similar(
        kata=kata, students=[s.student for s in found], keys=[s.key for s in found],
        fingerprint=h.hexdigest(), cases=cases, hidden_cases=sum(c in hidden for c in cases),
        shared_diagnoses=sorted(diagnoses),
    )


def class_insights(
    students: Sequence[StudentSummary], results: Mapping[str, Result]
) -> ClassInsights:
    graded = [s for s in students if s.status != "unmatched"]
    return ClassInsights(
        clusters=clusters(graded, results),
        together=together(graded, results),
        difficulty=difficulty(graded, results),
        similar=similar(graded, results),
    )


def regrade(earlier: ClassSummary, now: ClassSummary) -> Regrade:
    """Whose result changed since `earlier` (the same folder graded before), and how."""
    before = {s.key: s for s in earlier.students if s.status != "unmatched"}
    after = {s.key: s for s in now.students if s.status != "unmatched"}
    changes = []
    for key, s in after.items():
        old = before.get(key)
        if old is None:
            continue
        same = (old.score, old.max_score, old.status, old.failed_cases, old.diagnoses,
                old.case_points, old.case_max_points) == (
            s.score, s.max_score, s.status, s.failed_cases, s.diagnoses, s.case_points,
            s.case_max_points)
        if same:
            continue
        points = [
            PointsChange(case=c, before=old.case_points.get(c), after=s.case_points.get(c),
                         max_before=old.case_max_points.get(c),
                         max_after=s.case_max_points.get(c))
            for c in dict.fromkeys([*old.case_points, *s.case_points])
            if (old.case_points.get(c), old.case_max_points.get(c))
            != (s.case_points.get(c), s.case_max_points.get(c))
            and c not in old.failed_cases + s.failed_cases
        ]
        changes.append(ScoreChange(
            student=s.student, key=key, kata=s.kata, before=old.score, after=s.score,
            max_before=old.max_score, max_after=s.max_score,
            status_before=old.status, status_after=s.status,
            now_failing=[c for c in s.failed_cases if c not in old.failed_cases],
            now_passing=[c for c in old.failed_cases if c not in s.failed_cases],
            diagnoses_added=[d for d in s.diagnoses if d not in old.diagnoses],
            diagnoses_removed=[d for d in old.diagnoses if d not in s.diagnoses],
            points=points,
            file_changed=bool(old.sha256 and s.sha256 and old.sha256 != s.sha256),
        ))
    changes.sort(key=lambda c: (c.after / c.max_after if c.max_after else 0.0)
                 - (c.before / c.max_before if c.max_before else 0.0))
    return Regrade(
        earlier_grader_version=earlier.grader_version,
        compared=len(before.keys() & after.keys()),
        changes=changes,
        new=[after[k].student for k in after if k not in before],
        gone=[before[k].student for k in before if k not in after],
    )
