"""Small helpers the catalogue's detectors share (reading a run, not judging it)."""

from __future__ import annotations

from normkatas.diagnose.context import Context, Item
from normkatas.report.result import SourceLine
from normkatas.sandbox.types import ExceptionInfo, TraceFrame


def failed_calls(ctx: Context, status: str) -> list[Item]:
    """Cases whose call ended with ``status``."""
    return [i for i in ctx.cases if i.call is not None and i.call.status == status]


def names(items: list[Item], limit: int = 4) -> str:
    shown = [i.key for i in items[:limit]]
    more = len(items) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def last_frame(exc: ExceptionInfo | None) -> TraceFrame | None:
    if exc is None or not exc.frames:
        return None
    return exc.frames[-1]


def frame_line(frame: TraceFrame | None, ctx: Context) -> SourceLine | None:
    if frame is None or frame.line <= 0:
        return None
    text = frame.source
    if 0 < frame.line <= len(ctx.lines):
        text = ctx.lines[frame.line - 1].rstrip() or text
    return SourceLine(line=frame.line, text=text) if text else None


def shape_text(shape: tuple[int, ...] | list[int]) -> str:
    items = list(shape)
    if len(items) == 1:
        return f"({items[0]},)"
    return "(" + ", ".join(str(s) for s in items) + ")"
