"""GitHub Actions: workflow-command annotations on stdout, and a step summary.

Syntax from the GitHub Actions "workflow commands" reference and
@actions/core (command.ts): ``::error file=F,line=L,endLine=L,col=C,endColumn=E,title=T::MESSAGE``
with ``%``, ``\\r``, ``\\n`` escaped as ``%25``, ``%0D``, ``%0A`` in the message
and, in property values, also ``:`` as ``%3A`` and ``,`` as ``%2C``.

One annotation per diagnosis (``error``, ``warning`` for likely ones,
``notice`` for advice) at the student's line when the diagnosis has one, one
per whole-file or per-case execution error, and a final ``::notice`` with the
score.  Hidden cases give no annotation of their own.
"""

from __future__ import annotations

from normkatas.render import _view as v
from normkatas.render._sanitize import clean, clean_line
from normkatas.report.result import Diagnosis, ErrorInfo, Result

COMMAND = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **props: object) -> str:
    """``::name k=v,...::message`` with both parts escaped (None values left out)."""
    given = [(k, clean_line(str(val))) for k, val in props.items() if val is not None]
    head = ",".join(f"{k}={escape_property(val)}" for k, val in given)
    return f"::{name}{' ' + head if head else ''}::{escape_data(clean(message))}"


def _position(line: int | None, column: int | None, end: int | None) -> dict[str, object]:
    if line is None:
        return {}
    pos: dict[str, object] = {"line": line, "endLine": line}
    if column is not None:
        pos["col"] = column
        pos["endColumn"] = end - 1 if end is not None and end > column else column
    return pos


def _diagnosis(d: Diagnosis, file: str) -> str:
    lvl = v.level(d)
    body = list(d.notes or ([d.message] if d.message else []))
    if d.reduced_axes is not None and d.expected_axes is not None:
        body.append(
            f"your code reduces over axes {v.axes_label(d.reduced_axes, d.layout)};"
            f" the kata asks for {v.axes_label(d.expected_axes, d.layout)}"
        )
    if d.help:
        body.append(f"help: {d.help}")
    if d.help_code:
        body.append(d.help_code)
    src = d.source
    pos = _position(src.line, src.column, src.end_column) if src else {}
    title = f"{lvl}[{d.id}]: {v.headline(d)}"
    if src is not None and src.cell is not None:  # a notebook: no line of the file to point at
        pos, title = {}, f"{title} (cell {src.cell}, line {src.line})"
        body.insert(0, f"cell {src.cell}, line {src.line}: {src.text.strip()}")
    return command(COMMAND[lvl], "\n".join(body) or title, file=file, **pos, title=title)


def _error(error: ErrorInfo, file: str, case: str | None) -> str:
    line, col, cell = error.line, error.column, error.cell
    if line is None and error.frames:
        file, line, cell = error.frames[-1].file, error.frames[-1].line, error.frames[-1].cell
    if case is None:
        title = f"error[{error.kind}]: {v.SUBMISSION_ERROR_TITLE[error.kind]}"
    else:
        title = f"case {case}: {v.error_phrase(error).split(':', 1)[0]}"
    pos = _position(line, col, None)
    if cell is not None:  # a notebook: the cell and line go into the title
        pos, title = {}, f"{title} (cell {cell}, line {line})"
    return command("error", v.error_phrase(error), file=file, **pos, title=title)


def workflow_commands(result: Result) -> list[str]:
    file = result.submission
    out = [_error(e, file, None) for e in v.submission_errors(result)]
    repeats = v.first_with_same_error(result)
    for case in result.cases:
        error = case.error
        if error is None or case.hidden or case.name in repeats:
            continue
        if error.kind not in v.SUBMISSION_ERRORS:
            out.append(_error(error, file, case.name))
    out += [_diagnosis(d, file) for d in result.diagnoses]
    out.append(
        command(
            "notice",
            f"{result.kata}: score {v.score_text(result)}. {v.verdict(result)}",
            title=f"normkatas score {v.score_text(result)}",
        )
    )
    return out


def render_github(result: Result, *, verbose: bool = False) -> str:
    return "\n".join(workflow_commands(result)) + "\n"


def step_summary(result: Result) -> str:
    """Markdown for ``$GITHUB_STEP_SUMMARY`` (the CLI appends it to that file)."""
    from normkatas.render.markdown import render_markdown

    return render_markdown(result)
