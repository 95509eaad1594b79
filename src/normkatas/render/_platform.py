"""Pieces shared by the JSON formats of grading platforms (Gradescope, Classroom, exercism)."""

from __future__ import annotations

import json

from normkatas.render import _text_blocks as b
from normkatas.render import _view as v
from normkatas.render._jinja_free import fence, md
from normkatas.render._sanitize import clean_line
from normkatas.render.text import case_text
from normkatas.report.result import CaseResult, Result


def dumps(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def finite(x: float) -> float:
    """JSON has no NaN or infinity; platforms expect plain numbers."""
    return x if x == x and abs(x) != float("inf") else 0.0


def test_code(case: CaseResult) -> str:
    """What the case calls the function with, as far as the report may tell."""
    if case.hidden:
        return f"hidden case {clean_line(case.name)}"
    if not case.inputs:
        return f"case {clean_line(case.name)}"
    args = ", ".join(f"{clean_line(k)}: {clean_line(t)}" for k, t in case.inputs.items())
    return f"case {clean_line(case.name)} with {args}"


def case_message(result: Result, case: CaseResult, *, verbose: bool = False) -> str:
    """The text a platform shows for a case that did not pass."""
    if case.hidden:
        return v.HIDDEN_NOTE
    return case_text(result, case, verbose=verbose)


def source_line(result: Result, case: CaseResult) -> int:
    """The student's line most relevant to `case`, or 0."""
    for d in v.diagnoses_for(result, case):
        if d.source is not None:
            return d.source.line
    if case.error is not None and not case.hidden:
        if case.error.line is not None:
            return case.error.line
        if case.error.frames:
            return case.error.frames[-1].line
    return 0


def markdown_summary(result: Result) -> str:
    """Score, verdict, whole-file errors, diagnoses and output, for a platform's summary box."""
    s = b.Style(False)
    file = clean_line(result.submission)
    parts = [f"**score {v.score_text(result)}**: {md(v.verdict(result))}"]
    for error in v.submission_errors(result):
        parts.append(fence("\n".join(b.submission_error_block(s, error, file))))
    for d in result.diagnoses:
        parts.append(fence("\n".join(b.diagnosis_block(s, d, file))))
    for label, text in v.captured_streams(result):
        parts.append(f"{md(label)}:\n\n{fence(text)}")
    for warning in result.warnings:
        parts.append(f"warning: {md(warning)}")
    return "\n\n".join(parts) + "\n"
