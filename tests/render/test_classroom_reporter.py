"""GitHub Classroom: the reporter's own parsing, run on our output.

`Reporter` re-implements, line for line, what
classroom-resources/autograding-grading-reporter (v1, src/main.js,
src/console-results.js, src/aggregate-results.js, src/notify-classroom.js,
src/helpers/test-helpers.js) does with a grader's result:

- main.js: for each runner id, read ``process.env[RUNNER.toUpperCase() + "_RESULTS"]``,
  ``Buffer.from(value, "base64").toString("utf-8")``, ``JSON.parse``; the step
  fails when a runner's ``status`` is ``fail`` or ``error``;
- test-helpers.js ``getTestScore``: (tests with ``status === "pass"``) /
  ``tests.length`` * ``(max_score || 0)``; console-results.js prints it with
  ``toFixed(2)`` ("Total points for RUNNER: S/M");
- notify-classroom.js: ``totalPoints`` = the sum of every test's ``score``,
  ``maxPoints`` = the sum of ``max_score``; Classroom receives
  ``Points totalPoints/maxPoints``.

The value goes through an environment variable; Linux refuses one longer than
MAX_ARG_STRLEN (32 pages: 131072 bytes, "NAME=value" included) with "Argument
list too long".
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass
from typing import Any

import msgspec
import pytest

from normkatas.render import render
from normkatas.render.classroom import MAX_ENTRIES, classroom_b64
from normkatas.report.disclosure import Policy, apply_policy
from normkatas.report.result import CaseResult, Diagnosis, Mismatch, Result, Row
from normkatas.spec.library import KataLibrary
from tests.support.render import ALL, LAYER_NORM

MAX_ARG_STRLEN = 131072
RUNNER = "normkatas"


def js_number(x: float) -> str:
    """How JavaScript writes a number into a template string (integers without ``.0``)."""
    if float(x).is_integer():
        return str(int(x))
    return repr(float(x))


def js_to_fixed_2(x: float) -> str:
    return f"{x:.2f}"


@dataclass
class Reporter:
    console_total: str
    classroom_points: str
    passed_tests: int
    total_tests: int
    step_failed: bool


def report(env: dict[str, str]) -> Reporter:
    value = env[f"{RUNNER.strip().upper()}_RESULTS"]                    # main.js
    results: dict[str, Any] = json.loads(base64.b64decode(value).decode("utf-8"))
    tests = results["tests"]
    max_score = results.get("max_score") or 0                           # getMaxScoreForTest
    passed = sum(1 for t in tests if t["status"] == "pass")
    score = passed / len(tests) * max_score                             # getTestScore
    console = f"{js_to_fixed_2(score)}/{js_number(max_score)}"          # console-results.js
    total_points = 0.0                                                  # notify-classroom.js
    max_points = 0.0
    if results.get("max_score"):
        max_points += results["max_score"]
        for t in tests:
            total_points += t["score"]
    points = f"{js_number(total_points)}/{js_number(max_points)}"
    return Reporter(console, points, passed, len(tests), results["status"] in ("fail", "error"))


def _env(result: Result) -> dict[str, str]:
    return {f"{RUNNER.upper()}_RESULTS": classroom_b64(result)}


def _weighted(points: list[float], passing: list[bool]) -> Result:
    cases = [
        CaseResult(name=f"case-{i}", status="passed" if ok else "failed",
                   points=p if ok else 0.0, max_points=p)
        for i, (p, ok) in enumerate(zip(points, passing, strict=True))
    ]
    score = sum(c.points for c in cases)
    return Result(kata="k", submission="solution.py",
                  status="passed" if all(passing) else "failed",
                  score=score, max_score=sum(points), cases=cases)


def _points_of(text: str) -> float:
    return float(text.split("/")[0])


def _assert_agrees(result: Result) -> Reporter:
    r = report(_env(result))
    assert r.console_total.split("/")[1] == r.classroom_points.split("/")[1]
    assert js_to_fixed_2(_points_of(r.classroom_points)) == r.console_total.split("/")[0]
    return r


def test_the_bundled_kata_weights_console_total_equals_the_points() -> None:
    """The weighted kata where the console said 5.80/29 and Classroom got 3/29."""
    kata = KataLibrary.from_dirs([]).get("batchnorm-bchw")
    points = [c.points for c in kata.graded_cases]
    assert len(set(points)) > 1, "the kata has weighted cases"
    passing = [p == max(points) for p in points]
    result = _weighted(points, passing)
    r = _assert_agrees(result)
    assert _points_of(r.classroom_points) == result.score
    assert r.step_failed


@pytest.mark.parametrize(
    "points",
    [[2, 2, 3, 3], [1, 2, 5], [0.5, 1.5, 1], [1] * 7, [10, 30, 60], [1 / 3, 2 / 3, 1],
     [1] * 150, [7, 11, 13, 17, 19, 23, 29, 31, 37, 41]],
    ids=["2-3", "1-2-5", "halves", "equal", "tens", "thirds", "many", "primes"],
)
def test_console_total_equals_the_points_whatever_the_weights(points: list[float]) -> None:
    for k in range(len(points) + 1):
        passing = [i < k for i in range(len(points))]
        result = _weighted(points, passing)
        r = _assert_agrees(result)
        assert r.total_tests <= MAX_ENTRIES + len(points)
        sent = _points_of(r.classroom_points)
        exact = r.classroom_points.split("/")[1] == js_number(sum(points))
        if exact:
            assert math.isclose(sent, result.score, abs_tol=1e-9)
        else:  # reported in percent
            assert r.classroom_points.endswith("/100")
            assert abs(sent - 100 * result.score / sum(points)) <= 0.5


def test_a_passing_submission_gets_every_point_and_a_green_step() -> None:
    result = _weighted([2, 3, 5], [True, True, True])
    r = _assert_agrees(result)
    assert r.classroom_points == "10/10" and not r.step_failed


@pytest.mark.parametrize("name", sorted(ALL))
def test_every_fixture_parses_and_agrees(name: str) -> None:
    _assert_agrees(ALL[name]())
    data = json.loads(render(ALL[name](), "classroom"))
    assert data == json.loads(base64.b64decode(classroom_b64(ALL[name]())))


def _huge(cases: int, diagnoses: int) -> Result:
    rows = [Row(index=[i, 0, 0, 0], yours=0.123456789, reference=-1.23456789) for i in range(8)]
    mismatch = Mismatch(output="Y", mismatched=4096, total=4096, max_abs_diff=2.0,
                        max_rel_diff=3.0, rtol=1e-5, atol=1e-6, shape_reference=[8, 8, 8, 8],
                        rows=rows)
    names = [f"generated-case-with-a-long-descriptive-name-{i:04d}" for i in range(cases)]
    return Result(
        kata="batchnorm-bchw", submission="solution.py", status="failed", score=0.0,
        max_score=float(cases * 2),
        cases=[CaseResult(name=n, status="failed", points=0, max_points=2 + (i % 3),
                          inputs={"X": "float64 (8, 8, 8, 8)", "gamma": "float64 (8,)"},
                          mismatches=[mismatch]) for i, n in enumerate(names)],
        diagnoses=[msgspec.structs.replace(LAYER_NORM, id=f"mistake-{j}", cases=names)
                   for j in range(diagnoses)],
    )


@pytest.mark.parametrize(("cases", "diagnoses"), [(12, 6), (40, 20), (400, 40), (2000, 5)])
def test_the_result_fits_one_environment_variable_whatever_the_kata(
    cases: int, diagnoses: int
) -> None:
    result = _huge(cases, diagnoses)
    env = _env(result)
    (name, value), = env.items()
    assert len(f"{name}={value}".encode()) < MAX_ARG_STRLEN // 2
    _assert_agrees(result)


def test_the_summary_points_at_the_full_report() -> None:
    data = json.loads(render(_huge(12, 6), "classroom"))
    first_failing = next(t for t in data["tests"] if t["status"] != "pass")
    assert "job summary" in first_failing["message"]


def test_hidden_cases_and_the_policy_hold_in_the_classroom_result() -> None:
    from tests.support.render import failed_layer_norm

    shown = apply_policy(failed_layer_norm(), Policy(level="verdict"))
    text = base64.b64decode(classroom_b64(shown)).decode()
    assert "per sample" not in text and "0.4286012" not in text


def test_a_diagnosis_is_not_repeated_per_case() -> None:
    text = base64.b64decode(classroom_b64(_huge(40, 20))).decode()
    assert text.count(Diagnosis.__name__) == 0
    assert text.count(LAYER_NORM.help) == 0


def test_a_kata_without_points_sends_no_points() -> None:
    result = _weighted([0, 0], [True, False])
    data = json.loads(render(result, "classroom"))
    assert data["max_score"] == 0 and len(data["tests"]) == 2
    r = report(_env(result))
    assert r.classroom_points == "0/0"  # notify-classroom.js returns early: nothing is sent
