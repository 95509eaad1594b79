"""Writing reports: rendered for the command line's options, printed or written
atomically (a crash or Ctrl-C never leaves half a file), and the step summary."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from normkatas.errors import UsageError

if TYPE_CHECKING:
    from normkatas.render.html import Heatmaps
    from normkatas.report.result import Result


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same folder and a rename."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        # mkstemp makes the file private (0600); a report gets the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def color_wanted(choice: str, *, to_file: bool = False) -> bool:
    """``--color always|never|auto``: auto colours a terminal's stdout, unless NO_COLOR is set."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR") or to_file:
        return False
    return sys.stdout.isatty()


def append_text(path: Path, text: str) -> None:
    """Append to a file others also append to (e.g. $GITHUB_STEP_SUMMARY)."""
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text if text.endswith("\n") else text + "\n")


def render_result(args: argparse.Namespace, result: Result, arrays: Heatmaps | None = None) -> str:
    from normkatas.render import render

    return render(
        result, args.format, color=use_color(args), verbose=args.verbose, arrays=arrays
    )


def emit(args: argparse.Namespace, text: str, *, result_for_summary: object = None) -> None:
    """Print or write the report; for `github`, also fill the step summary."""
    if args.output is not None:
        try:
            write_atomic(args.output, text)
        except OSError as exc:
            raise UsageError(
                f"--output {args.output}: cannot write it ({exc.strerror or exc})"
            ) from None
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if args.format == "github" and summary and result_for_summary is not None:
        from normkatas.render.github import step_summary

        append_text(Path(summary), step_summary(result_for_summary))  # type: ignore[arg-type]


def use_color(args: argparse.Namespace) -> bool:
    """Colour for this command line: its --color choice, where the report goes, NO_COLOR."""
    return color_wanted(args.color, to_file=args.output is not None)
