"""GitHub Classroom autograding: the result a grader action hands to the reporter.

The grader actions (classroom-resources/autograding-io-grader,
autograding-command-grader, autograding-python-grader) set a step output
``result`` to base64(JSON); classroom-resources/autograding-grading-reporter
reads it from the environment variable ``<RUNNER>_RESULTS``, decodes it and

- prints each test (``name``, ``status``: ``pass`` counts as passed,
  ``line_no``, ``test_code``, and ``message`` for ``error``) and a total
  ``passed tests / number of tests * max_score`` (console-results.js,
  helpers/test-helpers.js ``getTestScore``);
- sends ``Points <sum of the tests' score>/<max_score>`` to Classroom
  (notify-classroom.js).

The JSON follows autograding-io-grader: ``{version: 1, status, max_score,
tests: [{name, status, message, test_code, filename, line_no, score}]}``.

Two constraints shape it:

- **The console total equals the points.**  The console counts passing tests
  while Classroom adds scores, so every entry weighs the same: a case worth
  ``k`` units of the cases' greatest common point value is ``k`` entries (a
  case worth no points has none: it would change the console's count).  A
  kata whose points do not fall into at most `MAX_ENTRIES` equal units (with
  an exact binary value, so that the reporter's sum does not drift) is
  reported in percent (``max_score`` 100, one entry per percent).
- **The result stays small whatever the kata.**  The value passes through an
  environment variable (Linux caps one at 128 KiB); the JSON holds one short
  line per failing case, never the diagnoses, and is cut to `JSON_BUDGET`
  bytes.  The full report goes to the job summary (``--format github``).

`render_classroom` gives the decoded JSON; `classroom_b64` the value of the
``result`` output.
"""

from __future__ import annotations

import base64
import json
import math
from fractions import Fraction
from typing import Any

from normkatas.render import _view as v
from normkatas.render._platform import finite, source_line, test_code
from normkatas.render._sanitize import clean_line
from normkatas.report.result import CaseResult, Result

STATUS = {"passed": "pass", "failed": "fail", "error": "error"}
MAX_ENTRIES = 100
JSON_BUDGET = 24 * 1024
"""Bytes of compact JSON (its base64 is 4/3 of that: 32 KiB, a quarter of Linux's cap)."""
MESSAGE_BYTES = 240
NAME_BYTES = 120
SUMMARY_NOTE = "the full report is in the job summary of this workflow run"


def _cut(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", "ignore") + "..."


def units(cases: list[CaseResult]) -> tuple[Fraction, dict[str, int]] | None:
    """The common point value of the cases and each case's number of units, if few enough."""
    worth = [c for c in cases if c.max_points > 0]
    if not worth or not all(math.isfinite(c.max_points) for c in worth):
        return None
    try:
        values = [Fraction(c.max_points).limit_denominator(1000) for c in worth]
    except (ValueError, OverflowError):
        return None
    unit = values[0]
    for value in values[1:]:
        unit = Fraction(math.gcd(unit.numerator * value.denominator,
                                 value.numerator * unit.denominator),
                        unit.denominator * value.denominator)
    counts = {c.name: int(value / unit) for c, value in zip(worth, values, strict=True)}
    # A unit like 1/3 has no exact float: the reporter's sum would drift.
    dyadic = unit.denominator & (unit.denominator - 1) == 0
    if sum(counts.values()) > MAX_ENTRIES or not dyadic:
        return None
    return unit, counts


def _short(result: Result, case: CaseResult) -> str:
    """One line about a case that did not pass (no values: they are in the job summary)."""
    if case.hidden:
        line = v.HIDDEN_NOTE
    elif case.error is not None:
        line = v.error_phrase(case.error)
    else:
        about = v.diagnoses_for(result, case)
        line = v.headline(about[0]) if about else "the output differs from the reference"
        source = about[0].source if about else None
        if source is not None and source.cell is not None:  # a notebook: where, in its terms
            line += f" (cell {source.cell}, line {source.line})"
    return _cut(clean_line(line), MESSAGE_BYTES)


def _entry(result: Result, case: CaseResult, name: str, score: float) -> dict[str, Any]:
    return {
        "name": _cut(name, NAME_BYTES),
        "status": STATUS[case.status],
        "message": None,
        "test_code": "",
        "filename": _cut(clean_line(result.submission), NAME_BYTES),
        "line_no": source_line(result, case),
        "score": score,
    }


def classroom_results(result: Result, *, verbose: bool = False) -> dict[str, Any]:
    """The reporter's JSON (`verbose` is accepted for the common signature and ignored)."""
    found = units(result.cases)
    tests: list[dict[str, Any]] = []
    firsts: list[tuple[dict[str, Any], CaseResult]] = []
    if found is not None:
        unit, counts = found
        step = float(unit)
        max_score = finite(float(unit * sum(counts.values())))
        for case in result.cases:
            k = counts.get(case.name, 0)
            label = v.case_label(case)
            for j in range(1, k + 1):
                name = label if k == 1 else f"{label} [{j}/{k}]"
                tests.append(_entry(result, case, name, step if case.status == "passed" else 0))
                if j == 1:
                    firsts.append((tests[-1], case))
    elif not any(c.max_points > 0 for c in result.cases):
        # No points at all: one entry per case, and the reporter sends nothing.
        max_score = 0.0
        for case in result.cases:
            tests.append(_entry(result, case, v.case_label(case), 0))
            firsts.append((tests[-1], case))
    else:
        max_score = float(MAX_ENTRIES)
        total = sum(c.max_points for c in result.cases if math.isfinite(c.max_points))
        earned = sum(c.points for c in result.cases if math.isfinite(c.points))
        passed = round(MAX_ENTRIES * earned / total) if total > 0 else 0
        percent = _percent_case(result)
        for j in range(1, MAX_ENTRIES + 1):
            entry = _entry(result, percent, f"score {j}%", 1 if j <= passed else 0)
            entry["status"] = "pass" if j <= passed else "fail"
            tests.append(entry)
    _add_messages(result, tests, firsts)
    return {
        "version": 1,
        "status": STATUS[result.status],
        "max_score": max_score,
        "tests": tests,
    }


def _percent_case(result: Result) -> CaseResult:
    failing = next((c for c in result.cases if c.status != "passed"), None)
    return failing or CaseResult(name="score", status="passed", points=0, max_points=0)


def _add_messages(
    result: Result, tests: list[dict[str, Any]], firsts: list[tuple[dict[str, Any], CaseResult]]
) -> None:
    """A message and test code on the first entry of each case, while the budget lasts."""
    size = len(_compact({"version": 1, "status": "error", "max_score": 0.0, "tests": tests}))
    size += len(SUMMARY_NOTE) + 64
    for entry, case in firsts:
        code = _cut(test_code(case), MESSAGE_BYTES)
        message = None if case.status == "passed" else _short(result, case)
        extra = len(code.encode("utf-8")) + len((message or "").encode("utf-8")) + 8
        if size + extra > JSON_BUDGET:
            break
        entry["test_code"] = code
        entry["message"] = message
        size += extra
    failing = next((e for e in tests if e["status"] != "pass"), None)
    if failing is not None:
        first = failing["message"]
        failing["message"] = f"{first}; {SUMMARY_NOTE}" if first else SUMMARY_NOTE


def _compact(data: object) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def render_classroom(result: Result, *, verbose: bool = False) -> str:
    data = classroom_results(result)
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def classroom_b64(result: Result) -> str:
    """base64 of the compact JSON: what a grader step writes as ``result=...`` to $GITHUB_OUTPUT."""
    return base64.b64encode(_compact(classroom_results(result))).decode("ascii")
