"""Presentation helpers shared by every renderer.

These only *phrase* what the model says (numbers, labels, which diagnosis
talks about which case); no verdict is computed here.  Strings returned by
these helpers that embed student text are already passed through `clean`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from normkatas.render._sanitize import clean, clean_line
from normkatas.report.result import (
    Captured,
    CaseResult,
    Departure,
    Diagnosis,
    ErrorInfo,
    Mismatch,
    Performance,
    Result,
)

STATUS_LABEL = {"passed": "PASS", "failed": "FAIL", "error": "ERROR"}
SUBMISSION_ERRORS = ("syntax-error", "import-error", "missing-function")
"""Error kinds that concern the whole file, shown once rather than per case."""

SUBMISSION_ERROR_TITLE = {
    "syntax-error": "the file could not be parsed",
    "import-error": "the file could not be imported",
    "missing-function": "the function to grade was not found",
}
_KIND_PHRASE = {
    "exception": "raised an exception",
    "syntax-error": "syntax error",
    "import-error": "the file could not be imported",
    "missing-function": "the function to grade was not found",
    "timeout": "time limit exceeded",
    "memory-limit": "memory limit exceeded",
    "crashed": "the process stopped unexpectedly",
    "not-run": "not run",
    "invalid-output": "the return value could not be read",
}
HIDDEN_NOTE = "hidden case: details are not shown"


def fmt_points(value: float) -> str:
    """``7`` for 7.0, ``2.5`` for 2.5, ``0.33`` for 1/3."""
    if not math.isfinite(value):
        return str(value)
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def fmt_num(value: float | None, digits: int = 7) -> str:
    if value is None:
        return "-"
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.{digits}g}"


def fmt_tol(value: float) -> str:
    return f"{value:g}"


def fmt_tuple(values: Sequence[int]) -> str:
    if len(values) == 1:
        return f"({values[0]},)"
    return "(" + ", ".join(str(v) for v in values) + ")"


def fmt_values(values: Sequence[float | None], limit: int = 6) -> str:
    """Evidence numbers: None is a NaN (JSON has no NaN)."""
    shown = ["nan" if v is None else fmt_num(v, 4) for v in values[:limit]]
    if len(values) > limit:
        shown.append(f"... {len(values) - limit} more")
    return "[" + ", ".join(shown) + "]"


def score_text(result: Result) -> str:
    return f"{fmt_points(result.score)}/{fmt_points(result.max_score)}"


def axes_label(axes: Sequence[int] | None, layout: str | None) -> str:
    """``(1, 2, 3) = C, H, W`` when the layout names the axes."""
    if axes is None:
        return ""
    text = fmt_tuple(axes)
    if layout and all(0 <= a < len(layout) for a in axes):
        text += " = " + (", ".join(layout[a] for a in axes) if axes else "none")
    return text


def level(diagnosis: Diagnosis) -> str:
    """The rustc-style severity word: ``error``, ``warning`` (likely) or ``note`` (advice)."""
    if diagnosis.category == "advice":
        return "note"
    return "warning" if diagnosis.confidence == "likely" else "error"


def headline(diagnosis: Diagnosis) -> str:
    title = clean_line(diagnosis.title)
    if diagnosis.confidence == "likely" and not title.startswith("probably"):
        return f"probably {title}"
    return title


def diagnoses_for(result: Result, case: CaseResult) -> list[Diagnosis]:
    """Diagnoses that name `case`, or name no case at all (they concern the file)."""
    if case.status == "passed":
        return [d for d in result.diagnoses if case.name in d.cases]
    return [d for d in result.diagnoses if case.name in d.cases or not d.cases]


def case_label(case: CaseResult) -> str:
    name = clean_line(case.name)
    tags = [t for t, on in (("hidden", case.hidden), ("example", case.example)) if on]
    return f"{name} ({', '.join(tags)})" if tags else name


def case_points(case: CaseResult) -> str:
    return f"{fmt_points(case.points)}/{fmt_points(case.max_points)}"


def count(result: Result, status: str) -> int:
    return sum(1 for c in result.cases if c.status == status)


def verdict(result: Result) -> str:
    """One line that says what `result.status` says, in words."""
    total = len(result.cases)
    passing = count(result, "passed")
    if result.status == "passed":
        return f"passed: all {total} cases pass" if total else "passed"
    if result.status == "error":
        errors = count(result, "error")
        if errors == total:
            return "error: the submission could not be run"
        return f"error: {errors} of {total} cases could not be run"
    return f"failed: {passing} of {total} cases pass"


def error_phrase(error: ErrorInfo, *, hidden: bool = False) -> str:
    """One line about an execution failure; for hidden cases, no student text."""
    if hidden:
        if error.kind == "exception" and error.type:
            return f"raised {clean_line(error.type)}"
        return _KIND_PHRASE[error.kind]
    if error.kind in ("exception", "syntax-error"):
        kind = clean_line(error.type) or ("SyntaxError" if error.kind == "syntax-error" else "")
        message = clean_line(error.message)
        if kind and message:
            return f"{kind}: {message}"
        return kind or message or _KIND_PHRASE[error.kind]
    phrase = _KIND_PHRASE[error.kind]
    detail = clean_line(error.message)
    if error.type and error.kind == "import-error":
        detail = f"{clean_line(error.type)}: {detail}" if detail else clean_line(error.type)
    return f"{phrase}: {detail}" if detail else phrase


def error_key(error: ErrorInfo) -> tuple[object, ...]:
    return (error.kind, error.type, error.message, error.line, error.column)


def first_with_same_error(result: Result) -> dict[str, str]:
    """For each case whose error repeats an earlier case's, that earlier case's name."""
    seen: dict[tuple[object, ...], str] = {}
    repeats: dict[str, str] = {}
    for case in result.cases:
        if case.error is None or case.hidden:
            continue
        key = error_key(case.error)
        if key in seen:
            repeats[case.name] = seen[key]
        else:
            seen[key] = case.name
    return repeats


def same_failure_key(case: CaseResult) -> tuple[object, ...]:
    """What a failing case's details say, without its numbers: equal keys say the same thing
    (the same outputs differ in the same way, or the same error)."""
    mismatches = tuple(
        (m.output, m.mismatched == m.total,
         tuple(m.shape_yours) if m.shape_yours is not None and m.shape_yours != m.shape_reference
         else None,
         m.dtype_yours, bool(m.non_finite))
        for m in case.mismatches
    )
    return (case.status, mismatches, error_key(case.error) if case.error is not None else None)


def case_summary(case: CaseResult) -> str:
    """One line about a case: what differs, or the error."""
    tail = ""
    if case.departure is not None and shows_departure(case):
        tail = f"; {departure_line(case.departure)}"
    if case.mismatches:
        return "; ".join(mismatch_summary(m) for m in case.mismatches) + tail
    if case.error is not None:
        return error_phrase(case.error, hidden=case.hidden) + tail
    return STATUS_LABEL[case.status].lower()


def submission_errors(result: Result) -> list[ErrorInfo]:
    """Distinct whole-file errors (syntax, import, missing function), in case order,
    except those a diagnosis of the same kind explains: one block per root cause, the
    diagnosis (which names the module, the line, the function) in the error's place."""
    explained = {d.id for d in file_diagnoses(result)}
    found: dict[tuple[object, ...], ErrorInfo] = {}
    for case in result.cases:
        if case.error is not None and case.error.kind in SUBMISSION_ERRORS \
                and case.error.kind not in explained:
            found.setdefault(error_key(case.error), case.error)
    return list(found.values())


def file_diagnoses(result: Result) -> list[Diagnosis]:
    """Diagnoses of a whole-file error some case met (an import error naming the
    module): shown first, where the generic error block would be."""
    kinds = {c.error.kind for c in result.cases
             if c.error is not None and c.error.kind in SUBMISSION_ERRORS}
    return [d for d in result.diagnoses if d.id in kinds]


def later_diagnoses(result: Result) -> list[Diagnosis]:
    """The diagnoses `file_diagnoses` does not show first, in their order."""
    first = {id(d) for d in file_diagnoses(result)}
    return [d for d in result.diagnoses if id(d) not in first]


def output_label(m: Mismatch) -> str:
    """The output's name, and in a sequence case the call it came from."""
    name = clean_line(m.output)
    return name if m.step is None else f"{name} (call {m.step})"


def shows_departure(case: CaseResult) -> bool:
    """A sequence case of several calls that failed: which call departs is worth a line."""
    return case.departure is not None and case.departure.steps > 1 and not case.hidden


def departure_line(d: Departure) -> str:
    """Where a sequence case first leaves the reference."""
    where = f"call {d.step} of {d.steps} ({clean_line(d.function)})"
    if not d.outputs:
        return f"first departs at {where}: the call did not return its outputs"
    names = ", ".join(clean_line(n) for n in d.outputs)
    earlier = "; every call before it agreed with the reference" if d.step > 1 else ""
    return f"first departs at {where}: {names}{earlier}"


def mismatch_lines(m: Mismatch) -> list[str]:
    """What differs in one output, as short lines (no indentation)."""
    name = output_label(m)
    lines = [f"{name}: {m.mismatched} of {m.total} elements differ"]
    lines.append(
        f"max abs diff {fmt_num(m.max_abs_diff, 4)}, max rel diff {fmt_num(m.max_rel_diff, 4)}"
        f" (rtol {fmt_tol(m.rtol)}, atol {fmt_tol(m.atol)})"
    )
    if m.shape_yours is not None and m.shape_yours != m.shape_reference:
        lines.append(
            f"shapes differ: yours {fmt_tuple(m.shape_yours)},"
            f" reference {fmt_tuple(m.shape_reference)}"
        )
    if m.dtype_yours and not m.dtype_yours.startswith("float"):
        lines.append(f"your dtype: {clean_line(m.dtype_yours)}")
    if m.non_finite:
        lines.append(f"{m.non_finite} of your values are nan or inf")
    return lines


def mismatch_summary(m: Mismatch) -> str:
    """One line for a case shown briefly: what differs and by how much at most."""
    name = output_label(m)
    if m.shape_yours is not None and m.shape_yours != m.shape_reference:
        return (f"{name}: shape {fmt_tuple(m.shape_yours)} where the reference has"
                f" {fmt_tuple(m.shape_reference)}")
    text = f"{name}: {m.mismatched} of {m.total} elements differ"
    if m.non_finite:
        return f"{text}, {m.non_finite} of them nan or inf"
    return f"{text}, max abs diff {fmt_num(m.max_abs_diff, 4)}"


def row_cells(m: Mismatch) -> list[tuple[str, str, str]]:
    return [(fmt_tuple(r.index), fmt_num(r.yours), fmt_num(r.reference)) for r in m.rows]


def captured_label(captured: Captured, stream: str) -> str:
    """``your program printed (first 1024 bytes of 5000)`` for a truncated capture."""
    verb = "printed" if stream == "stdout" else "printed to stderr"
    if captured.truncated:
        shown = len(captured.text.encode("utf-8", "surrogatepass"))
        return f"your program {verb} (first {shown} bytes of {captured.total_bytes})"
    return f"your program {verb}"


def captured_streams(result: Result) -> list[tuple[str, str]]:
    """``(label, cleaned text)`` for stdout and stderr when not empty."""
    out = []
    for stream, captured in (("stdout", result.stdout), ("stderr", result.stderr)):
        if captured.text:
            out.append((captured_label(captured, stream), clean(captured.text)))
    return out


def performance_line(perf: Performance) -> str:
    case, ref = clean_line(perf.case), fmt_num(perf.reference_ms, 3)
    if perf.timed_out:
        line = (
            f"case {case} was stopped after {fmt_num(perf.yours_ms, 3)} ms, the reference"
            f" takes {ref} ms (over {fmt_num(perf.ratio, 3)}x)"
        )
    else:
        line = (
            f"case {case} took {fmt_num(perf.yours_ms, 3)} ms,"
            f" the reference {ref} ms ({fmt_num(perf.ratio, 3)}x)"
        )
    if perf.slow:
        line += "; Python loops over array elements are the usual cause"
    if perf.affects_score:
        line += "; this affects the score"
    return line

