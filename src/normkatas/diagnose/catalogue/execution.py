"""Execution: the code did not run to the end."""

from __future__ import annotations

import re
import signal

from normkatas.diagnose.catalogue.common import (
    failed_calls,
    frame_line,
    last_frame,
    names,
    plural,
)
from normkatas.diagnose.context import Context, Item
from normkatas.diagnose.entry import Entry, Finding, Text
from normkatas.diagnose.shrink import raising
from normkatas.report.result import SourceLine


def _syntax(ctx: Context) -> list[Finding]:
    if ctx.outcome.status != "syntax-error":
        return []
    error = ctx.outcome.error
    line = error.line if error is not None else None
    text = (error.source if error is not None else "") or ""
    if line is not None and 0 < line <= len(ctx.lines):
        text = ctx.lines[line - 1].rstrip() or text
    source = (
        SourceLine(line=line, text=text, column=error.column if error is not None else None)
        if line is not None and text else None
    )
    facts = {"line": line or "?", "message": (error.message if error else "") or "invalid syntax"}
    return [Finding(SYNTAX_ERROR, facts, form="" if line else "noline", source=source)]


def _import_error(ctx: Context) -> list[Finding]:
    if ctx.outcome.status != "import-error":
        return []
    error = ctx.outcome.error
    kind = error.type if error is not None else "ImportError"
    message = error.message if error is not None else ""
    frame = last_frame(error)
    facts = {
        "type": kind,
        "message": message,
        "line": frame.line if frame is not None else "?",
        "module": "",
    }
    missing = re.search(r"No module named '([^']+)'", message)
    form = ""
    if kind == "ModuleNotFoundError" and missing:
        facts["module"] = missing.group(1).split(".")[0]
        form = "module"
    return [Finding(IMPORT_ERROR, facts, form=form, source=frame_line(frame, ctx))]


def _missing_function(ctx: Context) -> list[Finding]:
    if ctx.outcome.status != "missing-function":
        return []
    import difflib

    entry = ctx.kata.entry
    defined = list(ctx.outcome.defined_functions)
    close = difflib.get_close_matches(entry, defined, n=1, cutoff=0.6)
    facts = {"close": close[0] if close else "", "defined": ", ".join(defined[:6])}
    form = "close" if close else ("others" if defined else "")
    source = None
    if close:
        found = ctx.find_line(r"def\s+" + re.escape(close[0]) + r"\b")
        if found:
            source = SourceLine(line=found[0], text=found[1], column=found[2], end_column=found[3])
    return [Finding(MISSING_FUNCTION, facts, form=form, source=source)]


def _not_implemented(ctx: Context) -> list[Finding]:
    items = [
        i for i in failed_calls(ctx, "exception")
        if i.call is not None and i.call.exception is not None
        and i.call.exception.type == "NotImplementedError"
    ]
    if not items:
        return []
    return [Finding(NOT_IMPLEMENTED, {}, cases=[i.key for i in items])]


def _exceptions(ctx: Context) -> list[Finding]:
    """One finding per (exception type, line), at most three."""
    groups: dict[tuple[str, int], list[Item]] = {}
    for item in failed_calls(ctx, "exception"):
        assert item.call is not None
        exc = item.call.exception
        if exc is None or exc.type == "NotImplementedError":
            continue
        frame = last_frame(exc)
        groups.setdefault((exc.type, frame.line if frame else 0), []).append(item)
    findings = []
    for (kind, line), items in list(groups.items())[:3]:
        shown = [i for i in items if i.visible and i.call and i.call.exception
                 and i.call.exception.message]
        first = (shown or items)[0]
        assert first.call is not None and first.call.exception is not None
        exc = first.call.exception
        frame = last_frame(exc)
        message = exc.message.strip() if first.visible else ""
        facts = {
            "type": kind,
            "message": message,
            "line": line or "?",
            "function": frame.function if frame else ctx.kata.entry,
            "cases": names(items),
            "count": plural(len(items), "case"),
        }
        form = "broadcast" if "could not be broadcast" in message else ""
        if form and ctx.kata.structure is not None and \
                ctx.kata.structure.family == "norm-backward":
            form = "broadcast-sum"  # a gradient summed over the wrong axis, most often
        if not message:
            form = "nomessage"
        findings.append(
            Finding(
                EXCEPTION,
                facts,
                form=form,
                cases=[i.key for i in items],
                source=frame_line(frame, ctx),
                messages=tuple(
                    i.call.exception.message for i in items
                    if i.call is not None and i.call.exception is not None
                ),
                counterexample=raising(ctx, kind),
            )
        )
    return findings


def _timeout(ctx: Context) -> list[Finding]:
    items = failed_calls(ctx, "timeout")
    if ctx.outcome.status != "timeout" and not items:
        return []
    facts = {"cases": names(items) if items else "the first case"}
    return [Finding(TIMEOUT, facts, cases=[i.key for i in items])]


def _memory(ctx: Context) -> list[Finding]:
    items = failed_calls(ctx, "memory-limit")
    if ctx.outcome.status != "memory-limit" and not items:
        return []
    facts = {"cases": names(items) if items else "the first case"}
    return [Finding(MEMORY_LIMIT, facts, cases=[i.key for i in items])]


def _crashed(ctx: Context) -> list[Finding]:
    items = failed_calls(ctx, "crashed")
    outcome = ctx.outcome
    if outcome.status != "crashed" and not items:
        return []
    facts: dict[str, object] = {"cases": names(items) if items else "the first case"}
    form = ""
    if outcome.signal is not None:
        try:
            facts["signal"] = f"{outcome.signal} ({signal.Signals(outcome.signal).name})"
        except ValueError:
            facts["signal"] = str(outcome.signal)
        form = "signal"
    elif outcome.exit_code is not None:
        facts["code"] = outcome.exit_code
        form = "exit"
    found = ctx.find_line(r"\b(sys\.exit|os\._exit|exit|quit|os\.kill|os\.abort)\s*\(")
    source = (
        SourceLine(line=found[0], text=found[1], column=found[2], end_column=found[3])
        if found else None
    )
    return [Finding(CRASHED, facts, form=form, cases=[i.key for i in items], source=source)]


SYNTAX_ERROR = Entry(
    id="syntax-error",
    category="execution",
    text=Text(
        title="syntax error on line {line}: {message}",
        notes=("Python could not read {submission}, so none of the cases ran",),
        help="fix line {line} so that it parses; the caret marks where Python stopped reading",
    ),
    forms={
        "noline": Text(
            title="syntax error: {message}",
            notes=("Python could not read {submission}, so none of the cases ran",),
            help="fix the syntax so that the file parses",
        )
    },
    detect=_syntax,
)

IMPORT_ERROR = Entry(
    id="import-error",
    category="execution",
    text=Text(
        title="{submission} could not be imported: {type}: {message}",
        notes=(
            "code outside any function runs when the grader imports {submission}; it raised"
            " on line {line}, so none of the cases ran",
        ),
        help="move that code into {entry}, or remove it; only the function is graded",
    ),
    forms={
        "module": Text(
            title="module {module} is not available to the grader",
            notes=("the grader runs your file with Python's standard library and numpy only",),
            help="remove the import of {module} and write {entry} with numpy",
        )
    },
    detect=_import_error,
)

MISSING_FUNCTION = Entry(
    id="missing-function",
    category="interface",
    text=Text(
        title="no function named {entry} in {submission}",
        notes=("the grader calls {signature}, and {submission} defines no function at all",),
        help="define the function with exactly this name and these parameters",
        help_code="def {signature}:",
    ),
    forms={
        "close": Text(
            title="no function named {entry} in {submission}; it defines {close}",
            notes=("the grader calls {signature}; {close} is the closest name {submission}"
                   " defines",),
            help="rename {close} to {entry}",
            help_code="def {signature}:",
        ),
        "others": Text(
            title="no function named {entry} in {submission}",
            notes=("the grader calls {signature}; {submission} defines {defined}",),
            help="define the function with exactly this name and these parameters",
            help_code="def {signature}:",
        ),
    },
    detect=_missing_function,
)

NOT_IMPLEMENTED = Entry(
    id="not-implemented",
    category="execution",
    text=Text(
        title="{entry} is not implemented yet",
        notes=("the function still raises NotImplementedError, as in the starter file",),
        help="replace the `raise NotImplementedError` line with your implementation",
    ),
    source=(r"raise\s+NotImplementedError",),
    detect=_not_implemented,
)

EXCEPTION = Entry(
    id="exception",
    category="execution",
    text=Text(
        title="{type} on line {line}: {message}",
        notes=("{function} raised it on {count}: {cases}",),
        help="run the call below and look at the shapes and values that reach line {line}",
    ),
    forms={
        "broadcast": Text(
            title="{type} on line {line}: {message}",
            notes=(
                "{function} raised it on {count}: {cases}",
                "numpy lines shapes up from the LAST axis; a reduced statistic or a"
                " per-channel array must keep the axes it varies along in place",
            ),
            help="keep the reduced axes with keepdims=True, and reshape per-channel arrays"
            " so they vary along the channel axis",
            help_code="mean = {input}.mean(axis={expected_tuple}, keepdims=True)",
        ),
        "broadcast-sum": Text(
            title="{type} on line {line}: {message}",
            notes=(
                "{function} raised it on {count}: {cases}",
                "numpy lines shapes up from the LAST axis: a sum over the features (axis 1)"
                " leaves one value per sample, shape (N,), which does not line up with"
                " (N, D); the gradients of per-feature parameters sum over the batch",
            ),
            help="sum over the batch axis, axis=0, which leaves one value per feature",
            help_code="dbeta = {dout}.sum(axis=0)\ndgamma = ({dout} * x_hat).sum(axis=0)",
        ),
        "nomessage": Text(
            title="{type} on line {line}",
            notes=("{function} raised it on {count}: {cases}",),
            help="run the visible cases yourself and look at what reaches line {line}",
        ),
    },
    detect=_exceptions,
)

TIMEOUT = Entry(
    id="timeout",
    category="execution",
    text=Text(
        title="{entry} did not finish within the time limit",
        notes=("it was stopped on {cases}",),
        help="replace Python loops over single elements by numpy operations on whole arrays,"
        " and check for a loop that never ends",
    ),
    source=(r"^\s*while\b",),
    detect=_timeout,
)

MEMORY_LIMIT = Entry(
    id="memory-limit",
    category="execution",
    text=Text(
        title="{entry} ran out of memory",
        notes=("it was stopped on {cases}; the statistics need no array larger than the input",),
        help="avoid building arrays much larger than the input (outer products, np.tile,"
        " lists of copies)",
    ),
    detect=_memory,
)

CRASHED = Entry(
    id="crashed",
    category="execution",
    text=Text(
        title="the grading process ended early",
        notes=("it stopped on {cases} without returning a result",),
        help="return the result from {entry} instead of ending the process",
    ),
    forms={
        "signal": Text(
            title="the grading process was killed by signal {signal}",
            notes=("it stopped on {cases} without returning a result",),
            help="return the result from {entry}; do not end or signal the process",
        ),
        "exit": Text(
            title="the grading process exited with code {code} before returning a result",
            notes=(
                "sys.exit(), exit() and os._exit() end the whole process, so the remaining"
                " cases could not run; it stopped on {cases}",
            ),
            help="remove the call that exits and return the result from {entry}",
        ),
    },
    detect=_crashed,
)

ENTRIES = [
    SYNTAX_ERROR,
    IMPORT_ERROR,
    MISSING_FUNCTION,
    NOT_IMPLEMENTED,
    EXCEPTION,
    TIMEOUT,
    MEMORY_LIMIT,
    CRASHED,
]
