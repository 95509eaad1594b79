"""Gradescope autograder ``results.json``.

Shape from the Gradescope autograder specification
(https://gradescope-autograders.readthedocs.io/en/latest/specs/, "Output
format"): top-level ``score``, ``execution_time`` (seconds), ``output`` and
``output_format``, ``visibility``, ``stdout_visibility``, ``extra_data`` and
``tests`` with ``score``, ``max_score``, ``status`` (``passed``/``failed``),
``name``, ``name_format``, ``number``, ``output``, ``output_format``,
``tags``, ``visibility``.  The spec has no top-level ``max_score`` (the
assignment's total is set in Gradescope); it is kept in ``extra_data``.
"""

from __future__ import annotations

from typing import Any, Literal

from normkatas.render import _view as v
from normkatas.render._platform import case_message, dumps, finite, markdown_summary
from normkatas.render._sanitize import clean_line
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
    tests = []
    for number, case in enumerate(result.cases, start=1):
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
            test["output"] = case_message(result, case, verbose=verbose)
            test["output_format"] = "text"
            tags = [clean_line(d.id) for d in v.diagnoses_for(result, case)]
            if tags:
                test["tags"] = tags
        tests.append(test)
    return {
        "score": finite(result.score),
        "execution_time": round(result.duration_ms / 1000, 3),
        "output": markdown_summary(result),
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


def render_gradescope(result: Result, *, verbose: bool = False) -> str:
    return dumps(results(result, verbose=verbose))
