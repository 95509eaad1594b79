"""Class insights as data: clusters, per-case difficulty, similar wrong outputs, regrade."""

from __future__ import annotations

import msgspec
import numpy as np

from normkatas.app.batch.fingerprint import output_digests
from normkatas.report.class_summary import StudentSummary, student_summary, summarize
from normkatas.report.insights import MIN_AGREEING, regrade
from normkatas.report.result import Result
from normkatas.sandbox.types import ArrayValue, CallOutcome, RunOutcome, SequenceValue
from tests.support.batch import make_result

CASES = ("a", "b", "c", "d")


def _result(name: str, statuses: dict[str, str], digests: dict[str, str],
            diagnoses: tuple[tuple[str, str], ...] = ()) -> Result:
    result = make_result(submission=f"{name}.py",
                         cases=[(c, statuses.get(c, "passed")) for c in CASES],
                         diagnoses=diagnoses, hidden=("d",))
    return msgspec.structs.replace(result, fingerprint=digests)


def _summary(results: dict[str, Result]) -> tuple[list[StudentSummary], dict[str, Result]]:
    return [student_summary(k, k, "0" * 64, r) for k, r in results.items()], results


def _similar(results: dict[str, Result]) -> list[set[str]]:
    students, by_key = _summary(results)
    return [set(s.students) for s in summarize(students, by_key).insights.similar]


WRONG = {"a": "failed", "b": "failed", "d": "failed"}


def test_wrong_outputs_that_agree_bit_for_bit_are_flagged_with_evidence() -> None:
    same = {"a": "11", "b": "22", "c": "ok", "d": "44"}
    students, results = _summary({
        "ann": _result("ann", WRONG, same, (("layer-norm", "per sample"),)),
        "bob": _result("bob", WRONG, same, (("layer-norm", "per sample"),)),
        "cat": _result("cat", WRONG, {**same, "a": "99"}),
    })
    (found,) = summarize(students, results).insights.similar
    assert found.students == ["ann", "bob"]
    assert found.cases == ["a", "b", "d"] and found.hidden_cases == 1
    assert found.shared_diagnoses == ["layer-norm"] and len(found.fingerprint) == 12


def test_right_answers_are_never_compared() -> None:
    digests = {c: "same" for c in CASES}
    passing = {"p": _result("p", {}, digests), "q": _result("q", {}, digests)}
    assert _similar(passing) == []
    # both wrong on one case only, both right (and equal) elsewhere: not enough to flag
    one = {"r": _result("r", {"a": "failed"}, digests), "s": _result("s", {"a": "failed"}, digests)}
    assert MIN_AGREEING > 1 and _similar(one) == []


def test_errors_are_not_outputs_and_one_difference_clears_a_pair() -> None:
    digests = {"a": "1", "b": "2", "d": "3"}
    errors = {"a": "error", "b": "error", "d": "error"}
    assert _similar({"x": _result("x", errors, digests), "y": _result("y", errors, digests)}) == []
    other = {**digests, "d": "different"}
    assert _similar({"x": _result("x", WRONG, digests), "y": _result("y", WRONG, other)}) == []


def test_clusters_and_per_case_difficulty() -> None:
    pair = (("layer-norm", "per sample"), ("unbiased-variance", "m - 1"))
    students, results = _summary({
        "ann": _result("ann", WRONG, {}, pair),
        "bob": _result("bob", WRONG, {}, pair[::-1]),
        "cat": _result("cat", {"c": "failed"}, {}, (("missing-epsilon", "no epsilon"),)),
        "dan": _result("dan", {}, {}),
    })
    insights = summarize(students, results).insights
    first = insights.clusters[0]
    assert first.diagnoses == ["layer-norm", "unbiased-variance"]
    assert first.students == ["ann", "bob"] and first.representative == "ann"
    assert [(t.first, t.second, t.count) for t in insights.together] == [
        ("layer-norm", "unbiased-variance", 2)]
    by_case = {d.case: d for d in insights.difficulty}
    assert by_case["c"].only == ["cat"] and by_case["c"].failed == 1
    assert by_case["a"].only == [] and by_case["a"].failed == 2


def test_regrade_says_whose_score_changed_and_why() -> None:
    before_students, before = _summary({
        "ann": _result("ann", {"a": "failed"}, {}, (("layer-norm", "per sample"),)),
        "bob": _result("bob", {}, {}),
        "cat": _result("cat", {}, {}),
    })
    after_students, after = _summary({
        "ann": _result("ann", {}, {}),
        "bob": _result("bob", {"b": "failed"}, {}, (("missing-epsilon", "no epsilon"),)),
        "cat": _result("cat", {}, {}),
        "new": _result("new", {}, {}),
    })
    change = regrade(summarize(before_students, before), summarize(after_students, after))
    assert change.compared == 3 and change.new == ["new"] and change.gone == []
    by = {c.student: c for c in change.changes}
    assert set(by) == {"ann", "bob"}
    assert by["ann"].now_passing == ["a"] and by["ann"].diagnoses_removed == ["layer-norm"]
    assert by["bob"].now_failing == ["b"] and by["bob"].diagnoses_added == ["missing-epsilon"]
    assert change.changes[0].student == "bob"  # the biggest drop first


def test_regrade_names_cases_whose_points_changed() -> None:
    students, results = _summary({"ann": _result("ann", {}, {})})
    earlier = summarize(students, results)
    heavier = msgspec.structs.replace(results["ann"], cases=[
        msgspec.structs.replace(c, points=3.0, max_points=3.0) if c.name == "b" else c
        for c in results["ann"].cases])
    now_students, now = _summary({"ann": msgspec.structs.replace(heavier, score=5.0)})
    (change,) = regrade(earlier, summarize(now_students, now)).changes
    assert [(p.case, p.max_before, p.max_after) for p in change.points] == [("b", 1.0, 3.0)]


def _outcome(*values: object) -> list[RunOutcome]:
    calls = tuple(CallOutcome(key=f"case-{i}", status="ok", value=v)  # type: ignore[arg-type]
                  for i, v in enumerate(values))
    return [RunOutcome(status="ok", calls=calls)]


def _array(a: np.ndarray) -> ArrayValue:
    return ArrayValue(array=a, shape=a.shape, dtype=str(a.dtype))


def test_output_digest_is_exact_to_the_bit() -> None:
    x = np.linspace(-1, 1, 24).reshape(2, 3, 2, 2)
    nudged = x.copy()
    nudged[1, 2, 1, 1] = np.nextafter(nudged[1, 2, 1, 1], 2.0)
    same, again, off, f32 = (output_digests(_outcome(_array(a)))["case-0"]
                             for a in (x, x.copy(), nudged, x.astype(np.float32)))
    assert same == again and len({same, off, f32}) == 3
    pair = SequenceValue(kind="tuple", items=(_array(x), _array(x[0])))
    assert output_digests(_outcome(pair))["case-0"] != same
    failed = [RunOutcome(status="ok", calls=(CallOutcome(key="k", status="exception"),))]
    assert output_digests(failed) == {}
