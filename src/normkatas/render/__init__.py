"""Renderers: every output format is a view of `normkatas.report.result.Result`.

    from normkatas.render import render, FORMATS
    text = render(result, "text", color=False, verbose=False)

Renderers lay out what the model says and never compute a verdict.  Each
format lives in its own module, imported only when asked for (``json`` never
imports jinja2).  Extra entry points:

- `normkatas.render.github.step_summary(result)`: Markdown for ``$GITHUB_STEP_SUMMARY``
- `normkatas.render.classroom.classroom_b64(result)`: the base64 value of a
  GitHub Classroom grader's ``result`` output
- `normkatas.render.html.Heatmaps`: the optional ``arrays=`` input of the HTML page
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from normkatas.render.html import Heatmaps
    from normkatas.report.result import Result

FORMATS = (
    "text",
    "json",
    "markdown",
    "html",
    "junit",
    "gradescope",
    "github",
    "classroom",
    "exercism",
    "sarif",
)

__all__ = ["FORMATS", "render"]


def render(
    result: Result,
    fmt: str,
    *,
    color: bool = False,
    verbose: bool = False,
    arrays: Heatmaps | None = None,
) -> str:
    """`result` in format `fmt` (one of `FORMATS`).

    `color` adds ANSI styling to ``text`` (the caller decides from the TTY
    and ``NO_COLOR``); `verbose` shows every row, frame and line of output;
    `arrays` feeds the ``html`` heatmaps and is ignored by other formats.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    module = importlib.import_module(f"normkatas.render.{fmt}")
    renderer: Any = getattr(module, f"render_{fmt}")
    if fmt == "text":
        return str(renderer(result, color=color, verbose=verbose))
    if fmt == "html":
        return str(renderer(result, verbose=verbose, arrays=arrays))
    if fmt == "json":
        return str(renderer(result))
    return str(renderer(result, verbose=verbose))
