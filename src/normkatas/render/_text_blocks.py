"""Building blocks of the terminal report, in the manner of rustc and elm.

Each function returns a list of lines (no trailing newline).  Student text
goes through `clean` before it is styled, so the only escape sequences in the
output are the ones `Style` adds.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from normkatas.render import _view as v
from normkatas.render._sanitize import clean, clean_line
from normkatas.report.result import (
    CaseResult,
    Counterexample,
    Diagnosis,
    ErrorInfo,
    Evidence,
    Mismatch,
)

WIDTH = 100
CASE_INDENT = " " * 9
"""Details under a case line start under the case name."""
MAX_ROWS = 5
MAX_FRAMES = 1

_CODES = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
}
_LEVEL_COLOUR = {"error": "red", "warning": "yellow", "note": "cyan"}
STATUS_COLOUR = {"passed": "green", "failed": "red", "error": "magenta"}


class Style:
    """ANSI SGR styling that is a no-op when colour is off."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, *names: str) -> str:
        if not self.color or not text or not names:
            return text
        codes = ";".join(_CODES[n] for n in names)
        return f"\x1b[{codes}m{text}\x1b[0m"


def wrap(first: str, text: str, indent: str, width: int = WIDTH) -> list[str]:
    """`first` + `text` wrapped to `width`, continuation lines indented by `indent`."""
    lines: list[str] = []
    for i, paragraph in enumerate(text.split("\n")):
        lead = first if i == 0 else indent
        lines.extend(
            textwrap.wrap(
                paragraph,
                width=max(width, len(lead) + 20),
                initial_indent=lead,
                subsequent_indent=indent,
                break_long_words=False,
                break_on_hyphens=False,
            )
            or [lead.rstrip()]
        )
    return lines


def wrap_items(first: str, items: Sequence[str], indent: str, width: int = WIDTH) -> list[str]:
    """`items` joined by ``", "``, breaking lines only between items."""
    lines = [first]
    for i, item in enumerate(items):
        piece = item + ("," if i < len(items) - 1 else "")
        if len(lines[-1]) + 1 + len(piece) > width and lines[-1].strip() and lines[-1] != first:
            lines.append(indent + piece)
        else:
            sep = "" if lines[-1] in (first, indent) else " "
            lines[-1] += sep + piece
    return lines


def block(indent: str, text: str) -> list[str]:
    """Verbatim lines (code, values), each indented; never wrapped."""
    return [f"{indent}{line}".rstrip() for line in clean(text).split("\n")]


def location(file: str, line: int | None, column: int | None = None,
             cell: int | None = None) -> str:
    """``file:line:col``; in a notebook ``file, cell 7, line 3`` (the carets show the column)."""
    where = clean_line(file)
    if line is None:
        return where
    if cell is not None:
        return f"{where}, cell {cell}, line {line}"
    return f"{where}:{line}" + (f":{column}" if column is not None else "")


def snippet(
    s: Style,
    *,
    file: str,
    line: int | None,
    text: str,
    column: int | None = None,
    end_column: int | None = None,
    colour: str = "red",
    pad: int = 0,
    label: str = "",
    cell: int | None = None,
) -> tuple[list[str], str]:
    """The ``--> file:line:col`` arrow and the quoted source line with carets.

    Columns are 1-based; `end_column` is exclusive (carets cover
    ``text[column - 1:end_column - 1]``).  Returns the lines and the gutter
    indent the caller continues with (for ``= note:`` lines).
    """
    width = pad or len(str(line or ""))
    gutter = " " * (width + 1)
    where = location(file, line, column, cell)
    lines = [f"{' ' * width}{s('-->', 'blue', 'bold')} {where}"]
    if line is None or not text:
        return lines, gutter
    raw = text.rstrip("\n")
    shown = clean_line(raw).expandtabs(4)
    bar = s("|", "blue", "bold")
    lines.append(f"{gutter}{bar}")
    lines.append(f"{s(str(line).rjust(width), 'blue', 'bold')} {bar} {shown}".rstrip())
    if column is not None and column >= 1:
        start = len(clean_line(raw[: column - 1]).expandtabs(4))
        stop = end_column if end_column is not None and end_column > column else column + 1
        span = max(1, len(clean_line(raw[column - 1 : stop - 1]).expandtabs(4)))
        carets = s("^" * span + (f" {label}" if label else ""), colour, "bold")
        lines.append(f"{gutter}{bar} {' ' * start}{carets}")
    return lines, gutter


def restyle(lines: list[str], plain: str, styled: str) -> list[str]:
    """Swap the plain prefix `wrap` measured for its styled twin on the first line."""
    if lines and lines[0].startswith(plain.rstrip()):
        lines[0] = styled + lines[0][len(plain) :]
    return lines


def _note(s: Style, gutter: str, label: str, text: str) -> list[str]:
    plain = f"{gutter}= {label}: "
    lines = wrap(plain, text, " " * len(plain))
    return restyle(lines, plain, f"{gutter}{s('=', 'blue', 'bold')} {s(label, 'bold')}: ")


def _evidence(s: Style, gutter: str, ev: Evidence) -> list[str]:
    label = clean_line(ev.label)
    note = f" ({clean_line(ev.note)})" if ev.note else ""
    yours, expected = v.fmt_values(ev.yours), v.fmt_values(ev.expected)
    one = f"{label}: yours {yours} expected {expected}{note}"
    if len(gutter) + len("= evidence: ") + len(one) <= WIDTH:
        return _note(s, gutter, "evidence", one)
    inner = " " * (len(gutter) + len("= evidence: "))
    lines = _note(s, gutter, "evidence", label + note)
    return [*lines, f"{inner}yours    {yours}", f"{inner}expected {expected}"]


def _counterexample(s: Style, gutter: str, ce: Counterexample) -> list[str]:
    inner = gutter + "    "
    lines = [f"{gutter}{s('=', 'blue', 'bold')} {s('smallest input that shows it', 'bold')}:"]
    lines += block(inner, ce.call)
    for label, value in (("yours:     ", ce.yours), ("reference: ", ce.reference)):
        value_lines = clean(value).split("\n")
        lines.append(f"{inner}{label}{value_lines[0]}".rstrip())
        lines += [f"{inner}{' ' * len(label)}{rest}".rstrip() for rest in value_lines[1:]]
    return lines


def diagnosis_block(
    s: Style, d: Diagnosis, file: str, case_count: int | None = None
) -> list[str]:
    """One diagnosis, rustc-style; ``case_count`` (all cases) shortens "seen in"."""
    lvl = v.level(d)
    colour = _LEVEL_COLOUR[lvl]
    tag = f"{lvl}[{clean_line(d.id)}]"
    lines = wrap(f"{tag}: ", v.headline(d), "    ")
    lines[0] = f"{s(tag, colour, 'bold')}{s(':', 'bold')} {s(lines[0][len(tag) + 2 :], 'bold')}"
    src = d.source
    width = len(str(src.line)) if src else 1
    if src is not None:
        where, gutter = snippet(
            s,
            file=file,
            line=src.line,
            text=src.text,
            column=src.column,
            end_column=src.end_column,
            colour=colour,
            pad=width,
            cell=src.cell,
        )
        lines += where
    else:
        gutter = " " * (width + 1)
    for note in d.notes or ([d.message] if d.message else []):
        lines += _note(s, gutter, "note", clean(note))
    if not d.notes and (d.reduced_axes is not None or d.expected_axes is not None):
        # The catalogue's notes spell the axes out; this line stands in when there are none.
        parts = []
        if d.reduced_axes is not None:
            parts.append(f"your code reduces over axes {v.axes_label(d.reduced_axes, d.layout)}")
        if d.expected_axes is not None:
            parts.append(f"the kata asks for {v.axes_label(d.expected_axes, d.layout)}")
        lines += _note(s, gutter, "axes", "; ".join(parts))
    for ev in d.evidence:
        lines += _evidence(s, gutter, ev)
    if d.help:
        lines += _note(s, gutter, "help", clean(d.help))
    if d.help_code:
        lines += block(gutter + "    ", d.help_code)
    if d.counterexample is not None:
        lines += _counterexample(s, gutter, d.counterexample)
    if d.cases:
        if case_count is not None and len(set(d.cases)) == case_count > 3:
            lines += _note(s, gutter, "seen in", f"every case ({case_count})")
        else:
            lines += _note(s, gutter, "seen in", ", ".join(clean_line(c) for c in d.cases))
    return lines


def submission_error_block(s: Style, error: ErrorInfo, file: str) -> list[str]:
    title = v.SUBMISSION_ERROR_TITLE.get(error.kind, "the file could not be run")
    lines = [f"{s(f'error[{error.kind}]', 'red', 'bold')}{s(':', 'bold')} {s(title, 'bold')}"]
    phrase = v.error_phrase(error)
    where, gutter = snippet(
        s, file=file, line=error.line, text=error.source, column=error.column, label=phrase,
        cell=error.cell,
    )
    lines += where
    if not (error.source and error.line is not None and error.column is not None):
        lines += _note(s, gutter, "note", phrase)
    return lines


def _table(rows: Sequence[tuple[str, str, str]], indent: str) -> list[str]:
    header = ("index", "yours", "reference")
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(3)]
    out = [
        f"{indent}{header[0].ljust(widths[0])} | {header[1].rjust(widths[1])}"
        f" | {header[2].rjust(widths[2])}",
        f"{indent}{'-' * widths[0]}-+-{'-' * widths[1]}-+-{'-' * widths[2]}",
    ]
    for index, yours, ref in rows:
        out.append(
            f"{indent}{index.ljust(widths[0])} | {yours.rjust(widths[1])} | {ref.rjust(widths[2])}"
        )
    return out


def mismatch_block(m: Mismatch, indent: str, verbose: bool) -> list[str]:
    lines = [indent + line for line in v.mismatch_lines(m)]
    rows = v.row_cells(m)
    if rows:
        shown = rows if verbose else rows[:MAX_ROWS]
        lines += _table(shown, indent)
        if len(shown) < len(rows):
            lines.append(f"{indent}... {len(rows) - len(shown)} more rows")
    return lines


def error_block(s: Style, case: CaseResult, indent: str, verbose: bool) -> list[str]:
    error = case.error
    assert error is not None
    if case.hidden:
        return [indent + v.error_phrase(error, hidden=True)]
    lines = wrap(indent, v.error_phrase(error), indent + "  ")
    frames = error.frames if verbose else error.frames[-MAX_FRAMES:]
    for frame in frames:
        lines.append(
            f"{indent}  {s('at', 'dim')} {location(frame.file, frame.line, cell=frame.cell)}"
            f" in {clean_line(frame.function)}"
        )
        if frame.source:
            lines.append(f"{indent}    {frame.line} | {clean_line(frame.source.strip())}")
    return lines


def case_block(
    s: Style,
    case: CaseResult,
    *,
    name_width: int,
    repeats: dict[str, str],
    verbose: bool,
    detailed: bool = True,
) -> list[str]:
    """One case; ``detailed`` adds the table of mismatched elements and the case's note."""
    status = v.STATUS_LABEL[case.status]
    label = v.case_label(case).ljust(name_width)
    points = v.case_points(case)
    line = f"  {s(status.ljust(5), STATUS_COLOUR[case.status], 'bold')}  {label}  {points}"
    if verbose and case.duration_ms:
        line += f"  {s(v.fmt_num(case.duration_ms, 3) + ' ms', 'dim')}"
    lines = [line.rstrip()]
    indent = CASE_INDENT
    if verbose and case.inputs and not case.hidden:
        args = [f"{clean_line(k)}: {clean_line(t)}" for k, t in case.inputs.items()]
        lines += wrap_items(indent + "inputs: ", args, indent + "  ")
    if case.status != "passed" and case.hidden and case.error is None:
        lines.append(indent + v.HIDDEN_NOTE)
    elif case.error is not None:
        if case.error.kind in v.SUBMISSION_ERRORS:
            pass  # shown once, above the cases
        elif case.name in repeats:
            lines.append(f"{indent}same error as {clean_line(repeats[case.name])}")
        else:
            lines += error_block(s, case, indent, verbose)
    elif not case.hidden:
        for m in case.mismatches:
            if detailed:
                lines += mismatch_block(m, indent, verbose)
            else:
                lines += wrap(indent, v.mismatch_summary(m), indent + "  ")
    if case.departure is not None and v.shows_departure(case):
        lines += wrap(indent + "note: ", v.departure_line(case.departure), indent + "  ")
    if case.mutated:
        names = ", ".join(clean_line(n) for n in case.mutated)
        lines += wrap(indent + "note: ", f"your function changed its argument {names} in place",
                      indent + "  ")
    # (a file that never ran: what each case checks is noise before the one useful line)
    never_ran = case.error is not None and case.error.kind in v.SUBMISSION_ERRORS
    if case.note and not case.hidden and detailed and not never_ran and (
        verbose or case.status != "passed"
    ):
        lines += wrap(indent + "note: ", clean(case.note), indent + "  ")
    return lines
