"""``grade --watch FILE``: grade again on every save.

The file is polled (modification time and size; no dependency, works on
every file system and editor), and a change is graded once the file has
stopped changing for one poll, so that an editor's save in several writes
is graded once.  The screen is cleared between runs when the output is a
terminal.  Ctrl-C stops watching, also in the middle of a run (the sandbox
stops the student's process), with exit status 0: stopping is how a watch
ends.  A file that is missing for a while (an editor that saves by
replacing it) is waited for.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

CLEAR = "\x1b[2J\x1b[H"
INTERVAL = 0.3
"""Seconds between two looks at the file."""

Signature = tuple[int, int] | None


def signature(path: Path) -> Signature:
    """What changes when the file is saved: (mtime in ns, size); None if it is missing."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def watch(
    path: Path,
    run: Callable[[], object],
    *,
    out: TextIO | None = None,
    sleep: Callable[[float], None] = time.sleep,
    look: Callable[[Path], Signature] = signature,
    clear: bool | None = None,
    interval: float = INTERVAL,
    max_runs: int | None = None,
) -> int:
    """Run `run` now and after every change of `path`, until Ctrl-C (or `max_runs` runs).

    `sleep` and `look` are the clock and the eyes: tests pass their own.
    """
    stream = out if out is not None else sys.stdout
    if clear is None:
        clear = stream.isatty()
    graded: Signature = None
    runs = 0
    waiting_shown = False
    try:
        while max_runs is None or runs < max_runs:
            now = look(path)
            if now is None:
                if not waiting_shown:
                    stream.write(f"waiting for {path} to exist (Ctrl-C stops)\n")
                    stream.flush()
                    waiting_shown = True
            elif now != graded or runs == 0:
                sleep(interval)
                if look(path) != now:  # still being written: look again
                    continue
                graded = now
                waiting_shown = False
                if clear:
                    stream.write(CLEAR)
                    stream.flush()
                run()
                runs += 1
                stream.write(f"\nwatching {path}: grading again on every save (Ctrl-C stops)\n")
                stream.flush()
                continue
            sleep(interval)
    except KeyboardInterrupt:
        stream.write("\nstopped watching\n")
        stream.flush()
    return 0


def watch_command(
    path: Path, grade_once: Callable[[], int], *, report_error: Callable[[Exception], None]
) -> int:
    """The CLI's watch: a failing run (usage error, broken file) is reported and watched on."""

    def run() -> None:
        try:
            grade_once()
        except KeyboardInterrupt:
            raise
        except Exception as exc:
            report_error(exc)

    return watch(path, run)
