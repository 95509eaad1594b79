"""The terminal report: the heart of `grade`.

Layout, top to bottom: a header (kata, title, file); whole-file errors
(syntax, import, missing function) once; one line per case with the
comparison under each failure; what the program printed; the diagnoses in
rustc style; performance advice and warnings; the score and a verdict line.
"""

from __future__ import annotations

from normkatas.render import _text_blocks as b
from normkatas.render import _view as v
from normkatas.render._sanitize import clean_line
from normkatas.report.result import CaseResult, Result

MAX_OUTPUT_LINES = 20
_NAME_WIDTH_CAP = 40


def render_text(result: Result, *, color: bool = False, verbose: bool = False) -> str:
    s = b.Style(color)
    file = clean_line(result.submission)
    out: list[str] = [_header(s, result, file)]

    for error in v.submission_errors(result):
        out += ["", *b.submission_error_block(s, error, file)]
    for d in v.file_diagnoses(result):  # the root cause of a file that never ran, first
        out += ["", *b.diagnosis_block(s, d, file, len(result.cases))]

    out += ["", *_cases(s, result, verbose)]

    for label, text in v.captured_streams(result):
        out += ["", *_captured(s, label, text, verbose)]

    for d in v.later_diagnoses(result):
        out += ["", *b.diagnosis_block(s, d, file, len(result.cases))]

    extra = _advice(s, result, verbose)
    if extra:
        out += ["", *extra]

    status_colour = b.STATUS_COLOUR[result.status]
    out += [
        "",
        f"{s('score', 'bold')}: {s(v.score_text(result), 'bold')}",
        s(v.verdict(result), status_colour, "bold"),
    ]
    return "\n".join(out) + "\n"


def case_text(
    result: Result,
    case: CaseResult,
    *,
    verbose: bool = False,
    explained: set[str] | None = None,
) -> str:
    """One case and the diagnoses about it, without colour.

    The body of a JUnit failure, a Gradescope test output, a Classroom or
    exercism message.  A hidden case shows no data.  When the caller passes
    ``explained`` (ids already shown in full, e.g. earlier in one terminal
    session), those diagnoses get their headline only; the set is updated.
    """
    s = b.Style(False)
    file = clean_line(result.submission)
    lines = b.case_block(s, case, name_width=0, repeats={}, verbose=verbose)
    explains = {d.id for d in v.file_diagnoses(result)}
    if case.error is not None and case.error.kind in v.SUBMISSION_ERRORS and not case.hidden \
            and case.error.kind not in explains:
        lines += ["", *b.submission_error_block(s, case.error, file)]
    for d in v.diagnoses_for(result, case):
        if explained is not None and d.id in explained:
            lines += ["", f"{v.level(d)}[{clean_line(d.id)}]: {v.headline(d)} (explained above)"]
            continue
        lines += ["", *b.diagnosis_block(s, d, file)]
        if explained is not None:
            explained.add(d.id)
    return "\n".join(lines) + "\n"


def _header(s: b.Style, result: Result, file: str) -> str:
    kata = clean_line(result.kata)
    title = clean_line(result.kata_title)
    head = f"{s(kata, 'bold')}: {title}" if title else s(kata, "bold")
    return f"{head} ({file})"


def _cases(s: b.Style, result: Result, verbose: bool) -> list[str]:
    if not result.cases:
        return ["no cases were run"]
    width = min(_NAME_WIDTH_CAP, max(len(v.case_label(c)) for c in result.cases))
    repeats = v.first_with_same_error(result)
    lines = [s("cases", "bold")]
    shown_in_full = False
    for case in result.cases:
        # The first visible mismatch is shown in full; the rest in a line each.
        full = verbose or not (case.mismatches and not case.hidden) or not shown_in_full
        shown_in_full = shown_in_full or bool(case.mismatches and not case.hidden)
        lines += b.case_block(
            s, case, name_width=width, repeats=repeats, verbose=verbose, detailed=full
        )
    if not verbose and sum(1 for c in result.cases if c.mismatches and not c.hidden) > 1:
        lines.append(s("  (`grade --verbose` shows every mismatch in full)", "dim"))
    return lines


def _captured(s: b.Style, label: str, text: str, verbose: bool) -> list[str]:
    body = text.rstrip("\n").split("\n")
    shown = body if verbose else body[:MAX_OUTPUT_LINES]
    bar = s("|", "dim")
    lines = [f"{s(label, 'bold')}:"]
    lines += [f"  {bar} {line}".rstrip() for line in shown]
    if len(shown) < len(body):
        lines.append(f"  ... {len(body) - len(shown)} more lines")
    return lines


def _advice(s: b.Style, result: Result, verbose: bool) -> list[str]:
    lines: list[str] = []
    perf = result.performance
    if perf is not None and (perf.slow or verbose):
        label = "slower than the reference" if perf.slow else "timing"
        plain = f"note: {label}: "
        lines += b.restyle(
            b.wrap(plain, v.performance_line(perf), "  "),
            plain,
            f"{s('note', 'cyan', 'bold')}: {label}: ",
        )
    for warning in result.warnings:
        plain = "warning: "
        lines += b.restyle(
            b.wrap(plain, clean_line(warning), "  "), plain, f"{s('warning', 'yellow', 'bold')}: "
        )
    return lines


def case_details(result: Result, case: CaseResult, *, verbose: bool = False) -> str:
    """What the terminal shows under a case line (comparison, error), dedented; no colour."""
    lines = b.case_block(
        b.Style(False), case, name_width=0, repeats=v.first_with_same_error(result),
        verbose=verbose,
    )[1:]
    width = len(b.CASE_INDENT)
    return "\n".join(line[width:] if line.startswith(b.CASE_INDENT) else line for line in lines)
