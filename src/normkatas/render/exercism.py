"""exercism test runner ``results.json``, version 3.

Shape from exercism/docs, building/tooling/test-runners/interface.md:
``version`` (3), ``status`` (``pass``: all tests passed, ``fail``: some test
failed or errored, ``error``: the tests could not run, e.g. a syntax error),
``message`` (required when status is ``error``, else null), ``tests`` in file
order with ``name``, ``status`` (``pass``/``fail``/``error``), ``message``,
``output`` (what the student printed, at most 500 characters),
``test_code`` and ``task_id``.  Version 3 is the one with ``task_id``: a
kata is a single task, so every test has ``task_id`` 1.

Limits are cut in UTF-8 bytes (500 for ``output``, 65535 for messages), which
also keeps them within the same number of characters; a cut never splits a
character.  ``classroom/exercism/run.sh`` is the runner's entry point
(``run.sh SLUG INPUT_DIR OUTPUT_DIR``).
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


TASK_ID = 1


def cut_bytes(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-8 bytes, never inside a character."""
    data = text.encode("utf-8", "surrogatepass")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", "ignore")


def _output(text: str) -> str:
    text = clean(text)
    if len(text.encode("utf-8")) <= OUTPUT_LIMIT:
        return text
    keep = OUTPUT_LIMIT - len(TRUNCATED.encode("utf-8")) - 1
    return cut_bytes(text, keep) + "\n" + TRUNCATED


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
            else cut_bytes(case_message(result, case, verbose=verbose), MESSAGE_LIMIT),
            "test_code": test_code(case),
            "task_id": TASK_ID,
        }
        if printed and case.name == target:
            test["output"] = _output(printed)
        tests.append(test)
    message = None
    if result.status == "error":
        message = cut_bytes(render_text(result, color=False, verbose=verbose), MESSAGE_LIMIT)
    return {"version": 3, "status": STATUS[result.status], "message": message, "tests": tests}


def render_exercism(result: Result, *, verbose: bool = False) -> str:
    return dumps(exercism_results(result, verbose=verbose))
