"""Gradescope: what a student sees before release follows Gradescope's visibility rules.

From Gradescope's autograder specification
(https://gradescope-autograders.readthedocs.io/en/latest/specs/, "Output format"
and "Controlling test case visibility"): a test's ``visibility`` is ``hidden``
(never shown to students), ``after_due_date``, ``after_published`` (shown once
grades are published) or ``visible``; while a test is not visible, Gradescope
hides the student's total score.  The top-level ``output`` has the top-level
``visibility`` (``visible`` here): students see it at once.  So everything a
student can see before release -- the top-level output and the visible tests --
must say nothing about hidden cases: no total, no hidden case name, no count
that includes them, no diagnosis that only a hidden case showed.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from normkatas.render import render
from normkatas.report.disclosure import Policy, apply_policy
from normkatas.report.result import CaseResult, Diagnosis, Result
from tests.support.render import ALL, LAYER_NORM, failed_layer_norm

NOT_YET = ("hidden", "after_due_date", "after_published")


def _before_release(data: dict[str, Any]) -> str:
    """Everything a student sees while the hidden tests are not visible."""
    shown = [data.get("output", "")]
    if data.get("visibility", "visible") == "visible":
        for test in data["tests"]:
            if test.get("visibility", data.get("visibility", "visible")) == "visible":
                shown.append(json.dumps(test))
    return "\n".join(shown)


def _hidden_names(result: Result) -> list[str]:
    return [c.name for c in result.cases if c.hidden]


def _only_hidden_fails() -> Result:
    secret = Diagnosis(id="unbiased-variance", title="variance computed with ddof=1",
                       message="", category="statistics", cases=["secret-case"])
    return Result(
        kata="batchnorm-bchw", submission="solution.py", status="failed", score=29,
        max_score=34,
        cases=[
            CaseResult(name="visible-one", status="passed", points=14, max_points=14),
            CaseResult(name="visible-two", status="passed", points=15, max_points=15),
            CaseResult(name="secret-case", status="failed", points=0, max_points=5,
                       hidden=True),
        ],
        diagnoses=[secret, msgspec.structs.replace(LAYER_NORM, cases=[])],
    )


@pytest.mark.parametrize("make", [failed_layer_norm, _only_hidden_fails, *ALL.values()])
def test_nothing_visible_speaks_of_hidden_cases(make: Any) -> None:
    result = make()
    data = json.loads(render(result, "gradescope"))
    hidden = _hidden_names(result)
    if not hidden:
        assert f"score {result.score:g}/{result.max_score:g}" in data["output"].replace(
            ".0", "")
        return
    seen = _before_release(data)
    for name in hidden:
        assert name not in seen
    total = len(result.cases)
    assert f"of {total} " not in seen, "a count that includes the hidden cases"
    assert "score" not in data["output"], "the total, which Gradescope hides"
    assert f"/{result.max_score:g}" not in data["output"]
    for test in data["tests"]:
        is_hidden = test["name"].split(" (")[0] in hidden
        assert (test["visibility"] in NOT_YET) is is_hidden


def test_the_issue_case_no_score_no_secret_name() -> None:
    """ "score 29/34 ... seen in: secret-case" was the leak."""
    data = json.loads(render(_only_hidden_fails(), "gradescope"))
    assert data["output"].startswith("**visible cases: 2 of 2 pass**")
    assert "29" not in data["output"] and "34" not in data["output"]
    assert "ddof=1" not in _before_release(data), "a diagnosis only the hidden case showed"
    # A whole-file diagnosis while only hidden cases fail would tell that one failed.
    assert "per sample over C, H, W" not in _before_release(data)
    # The score still reaches Gradescope, which shows it once the tests are visible.
    assert data["score"] == 29
    hidden = [t for t in data["tests"] if "secret-case" in t["name"]]
    assert hidden[0]["visibility"] == "after_published"
    assert "ddof=1" in hidden[0]["output"] or "hidden case" in hidden[0]["output"]


def test_visible_tests_are_numbered_first_without_gaps() -> None:
    result = failed_layer_norm()
    cases = [result.cases[2], result.cases[0], result.cases[1]]  # hidden one first
    data = json.loads(render(msgspec.structs.replace(result, cases=cases), "gradescope"))
    visible = [t for t in data["tests"] if t["visibility"] == "visible"]
    assert [t["number"] for t in visible] == [str(i) for i in range(1, len(visible) + 1)]


def test_the_policy_holds_in_gradescope_output() -> None:
    shown = apply_policy(failed_layer_norm(), Policy(level="verdict"))
    data = json.loads(render(shown, "gradescope"))
    assert "layer-norm" not in json.dumps(data["tests"])
    assert "0.4286012" not in json.dumps(data)


def test_results_validate_against_the_schema() -> None:
    import jsonschema

    from tests.support.render import SNAPSHOTS

    schema = json.loads((SNAPSHOTS.parents[1] / "schemas" / "gradescope.schema.json").read_text())
    for make in (failed_layer_norm, _only_hidden_fails, *ALL.values()):
        jsonschema.validate(json.loads(render(make(), "gradescope")), schema)
