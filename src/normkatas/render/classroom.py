"""GitHub Classroom autograding: the result a grader action hands to the reporter.

The grader actions (classroom-resources/autograding-io-grader,
autograding-command-grader, autograding-python-grader) set a step output
``result`` to base64(JSON); classroom-resources/autograding-grading-reporter
reads it from ``<RUNNER-ID>_RESULTS``, decodes it and uses ``status``,
``max_score`` and per test ``name``, ``status`` (``pass`` counts as passed),
``score`` and ``message``.  The JSON follows autograding-io-grader:
``{version: 1, status, max_score, tests: [{name, status, message, test_code,
filename, line_no, duration, score}]}`` (duration in milliseconds).

`render_classroom` gives the decoded JSON; `classroom_b64` the value of the
``result`` output.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from normkatas.render import _view as v
from normkatas.render._platform import case_message, dumps, finite, source_line, test_code
from normkatas.render._sanitize import clean_line
from normkatas.report.result import Result

STATUS = {"passed": "pass", "failed": "fail", "error": "error"}


def classroom_results(result: Result, *, verbose: bool = False) -> dict[str, Any]:
    tests = [
        {
            "name": v.case_label(case),
            "status": STATUS[case.status],
            "message": None
            if case.status == "passed"
            else case_message(result, case, verbose=verbose),
            "test_code": test_code(case),
            "filename": clean_line(result.submission),
            "line_no": source_line(result, case),
            "duration": round(case.duration_ms),
            "score": finite(case.points),
        }
        for case in result.cases
    ]
    return {
        "version": 1,
        "status": STATUS[result.status],
        "max_score": finite(result.max_score),
        "tests": tests,
    }


def render_classroom(result: Result, *, verbose: bool = False) -> str:
    return dumps(classroom_results(result, verbose=verbose))


def classroom_b64(result: Result) -> str:
    """base64 of the compact JSON: what a grader step writes as ``result=...`` to $GITHUB_OUTPUT."""
    data = json.dumps(classroom_results(result), separators=(",", ":"), ensure_ascii=False)
    return base64.b64encode(data.encode("utf-8")).decode("ascii")
