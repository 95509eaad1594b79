"""A result graded on a notebook's module -> the same result about the notebook's cells.

Every place the result points at the student's code (a diagnosis's source
line, an error's line, a traceback frame in the student's file) gets the
cell number, the line within the cell, the column shifted to the cell's
line, and the cell's own text of that line.  Places outside the module are
left as they are.
"""

from __future__ import annotations

import re

import msgspec

from normkatas.notebook.convert import NotebookModule, Origin
from normkatas.report.result import Diagnosis, ErrorInfo, Frame, Result, SourceLine


def _shift(column: int | None, origin: Origin) -> int | None:
    return None if column is None else column + origin.shift


def _frame(frame: Frame, module: NotebookModule, file: str, display: str) -> Frame:
    origin = module.locate(frame.line) if frame.file == file else None
    if origin is None:
        return frame
    return msgspec.structs.replace(
        frame, file=display, line=origin.line, cell=origin.cell, source=module.text(origin)
    )


def _error(error: ErrorInfo, module: NotebookModule, file: str, display: str) -> ErrorInfo:
    frames = [_frame(f, module, file, display) for f in error.frames]
    origin = module.locate(error.line)
    if origin is None:
        return msgspec.structs.replace(error, frames=frames)
    return msgspec.structs.replace(
        error,
        frames=frames,
        line=origin.line,
        column=_shift(error.column, origin),
        cell=origin.cell,
        source=module.text(origin) if error.source or error.line else error.source,
    )


def _source(src: SourceLine, module: NotebookModule) -> SourceLine:
    origin = module.locate(src.line)
    if origin is None:
        return src
    return SourceLine(
        line=origin.line,
        text=module.text(origin),
        column=_shift(src.column, origin),
        end_column=_shift(src.end_column, origin),
        cell=origin.cell,
    )


def _diagnosis(d: Diagnosis, module: NotebookModule) -> Diagnosis:
    if d.source is None:
        return d
    origin = module.locate(d.source.line)
    if origin is None:
        return d
    # The explanation may name the module's line ("fix line 12"): name the cell's instead.
    said = re.compile(rf"\bline {d.source.line}\b")
    where = f"cell {origin.cell}, line {origin.line}"
    return msgspec.structs.replace(
        d,
        source=_source(d.source, module),
        message=said.sub(where, d.message),
        notes=[said.sub(where, n) for n in d.notes],
        help=said.sub(where, d.help),
    )


def remap_result(
    result: Result, module: NotebookModule, *, display: str, file: str | None = None
) -> Result:
    """`result` about ``display`` (the notebook); ``file``: the name frames of the module carry
    (default: ``result.submission``)."""
    file = result.submission if file is None else file
    cases = [
        c if c.error is None
        else msgspec.structs.replace(c, error=_error(c.error, module, file, display))
        for c in result.cases
    ]
    return msgspec.structs.replace(
        result,
        submission=display,
        cases=cases,
        diagnoses=[_diagnosis(d, module) for d in result.diagnoses],
    )
