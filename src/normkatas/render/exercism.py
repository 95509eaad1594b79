"""exercism test runner ``results.json``, version 3.

Shape from exercism/docs, building/tooling/test-runners/interface.md:
``version`` (3), ``status`` (``pass``: all tests passed, ``fail``: some test
failed or errored, ``error``: the tests could not run, e.g. a syntax error),
``message`` (required when status is ``error``, else null), ``tests`` in file
order with ``name``, ``status`` (``pass``/``fail``/``error``), ``message``,
``output`` (what the student printed, at most 500 characters),
``test_code`` and optionally ``task_id`` (not used: katas have no tasks).
"""

from __future__ import annotations

from typing import Any

from normkatas.render import _view as v
from normkatas.render._platform import case_message, dumps, test_code
from normkatas.render._sanitize import clean
from normkatas.render.text import render_text
from normkatas.report.result import Result

STATUS = {"passed": "pass", "failed": "fail", "error": "error"}
OUTPUT_LIMIT = 500
TRUNCATED = "Output was truncated. Please limit to 500 chars"
MESSAGE_LIMIT = 65535


def _output(text: str) -> str:
    text = clean(text)
    if len(text) <= OUTPUT_LIMIT:
        return text
    keep = OUTPUT_LIMIT - len(TRUNCATED) - 1
    return text[:keep] + "\n" + TRUNCATED


def exercism_results(result: Result, *, verbose: bool = False) -> dict[str, Any]:
    printed = result.stdout.text
    # Output is per submission here, not per test: attach it to the first test
    # that did not pass (the one exercism shows), or to the first test.
    target = next((c.name for c in result.cases if c.status != "passed"), None)
    if target is None and result.cases:
        target = result.cases[0].name
    tests = []
    for case in result.cases:
        test: dict[str, Any] = {
            "name": v.case_label(case),
            "status": STATUS[case.status],
            "message": None
            if case.status == "passed"
            else case_message(result, case, verbose=verbose)[:MESSAGE_LIMIT],
            "test_code": test_code(case),
        }
        if printed and case.name == target:
            test["output"] = _output(printed)
        tests.append(test)
    message = None
    if result.status == "error":
        message = render_text(result, color=False, verbose=verbose)[:MESSAGE_LIMIT]
    return {"version": 3, "status": STATUS[result.status], "message": message, "tests": tests}


def render_exercism(result: Result, *, verbose: bool = False) -> str:
    return dumps(exercism_results(result, verbose=verbose))
