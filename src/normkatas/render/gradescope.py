"""Gradescope autograder ``results.json``.

Shape from the Gradescope autograder specification
(https://gradescope-autograders.readthedocs.io/en/latest/specs/, "Output
format"): top-level ``score``, ``execution_time`` (seconds), ``output`` and
``output_format``, ``visibility``, ``stdout_visibility``, ``extra_data`` and
``tests`` with ``score``, ``max_score``, ``status`` (``passed``/``failed``),
``name``, ``name_format``, ``number``, ``output``, ``output_format``,
``tags``, ``visibility``.  The spec has no top-level ``max_score`` (the
assignment's total is set in Gradescope); it is kept in ``extra_data``.

Visibility ("Controlling test case visibility" in the same page): a test's
``visibility`` is one of ``hidden`` (never shown to students),
``after_due_date``, ``after_published`` (once grades are published) and
``visible``; while any test is not visible, Gradescope hides the student's
total score.  The top-level ``output`` is shown to students at once, so it
says nothing the hidden tests would hide: with hidden cases it carries no
score and no count of cases, names no hidden case and holds no diagnosis that
only a hidden case showed.  Visible tests are numbered first (1, 2, ...), so
the numbers leave no gap where a hidden test sits.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from normkatas.render import _view as v
from normkatas.render._platform import case_message, dumps, finite, markdown_summary
from normkatas.render._sanitize import clean_line
from normkatas.report.disclosure import apply_policy
from normkatas.report.result import Result

Visibility = Literal["hidden", "after_due_date", "after_published", "visible"]


def results(
    result: Result,
    *,
    verbose: bool = False,
    hidden_visibility: Visibility = "after_published",
    stdout_visibility: Visibility = "hidden",
) -> dict[str, Any]:
    """The results.json object.

    Hidden cases show no data in any case; `hidden_visibility` also decides
    when Gradescope shows their line at all (``after_published`` by default:
    once the instructor publishes grades).
    """
    result = apply_policy(result)  # the full level: only keeps the help true to what is shown
    tests = []
    # A visible test's output is visible at once: it speaks of visible cases only.
    part = visible_part(result)
    ordered = [c for c in result.cases if not c.hidden] + [c for c in result.cases if c.hidden]
    for number, case in enumerate(ordered, start=1):
        test: dict[str, Any] = {
            "name": v.case_label(case),
            "name_format": "text",
            "number": str(number),
            "score": finite(case.points),
            "max_score": finite(case.max_points),
            "status": "passed" if case.status == "passed" else "failed",
            "visibility": hidden_visibility if case.hidden else "visible",
        }
        if case.status != "passed":
            test["output"] = case_message(
                result if case.hidden else part, case, verbose=verbose
            )
            test["output_format"] = "text"
            about = v.diagnoses_for(result if case.hidden else part, case)
            tags = [clean_line(d.id) for d in about]
            if tags:
                test["tags"] = tags
        tests.append(test)
    return {
        "score": finite(result.score),
        "execution_time": round(result.duration_ms / 1000, 3),
        "output": student_summary(result),
        "output_format": "md",
        "visibility": "visible",
        "stdout_visibility": stdout_visibility,
        "extra_data": {
            "kata": clean_line(result.kata),
            "submission": clean_line(result.submission),
            "status": result.status,
            "max_score": finite(result.max_score),
            "contract_version": result.version,
            "diagnoses": [clean_line(d.id) for d in result.diagnoses],
        },
        "tests": tests,
    }


def visible_part(result: Result) -> Result:
    """What the always-visible top-level output may speak about: the visible cases only.

    A diagnosis stays if a visible case showed it (its "seen in" names only
    visible cases); one that only hidden cases showed, or that concerns the
    whole file while only hidden cases fail, goes.
    """
    visible = [c for c in result.cases if not c.hidden]
    names = {c.name for c in visible}
    visible_failing = any(c.status != "passed" for c in visible)
    diagnoses = []
    for d in result.diagnoses:
        if d.cases:
            seen = [n for n in d.cases if n in names]
            if seen:
                diagnoses.append(msgspec.structs.replace(d, cases=seen))
        elif visible_failing or not any(c.status != "passed" for c in result.cases):
            diagnoses.append(d)
    performance = result.performance
    if performance is not None and performance.case not in names:
        performance = None
    return msgspec.structs.replace(
        result, cases=visible, diagnoses=diagnoses, performance=performance
    )


def student_summary(result: Result) -> str:
    """The top-level ``output``: the full summary, or with hidden cases, only the visible part."""
    if not any(c.hidden for c in result.cases):
        return markdown_summary(result)
    part = visible_part(result)
    passing = v.count(part, "passed")
    head = f"**visible cases: {passing} of {len(part.cases)} pass**"
    body = markdown_summary(part).split("\n\n", 1)
    rest = body[1] if len(body) > 1 else ""
    return head + ("\n\n" + rest if rest else "\n")


def render_gradescope(result: Result, *, verbose: bool = False) -> str:
    return dumps(results(result, verbose=verbose))
