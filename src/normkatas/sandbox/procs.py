"""Finding, killing and reaping the fork server's descendants.

On Linux the fork server is a child subreaper, so whatever a worker leaves
behind (double-forked, setsid'd daemons included) stays its descendant and
is found through ``/proc``.  Elsewhere only the worker's process group can be
killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator

from normkatas.sandbox.limits import IS_LINUX


def _children_files(pid: int) -> Iterator[str]:
    for tid in os.listdir(f"/proc/{pid}/task"):
        yield f"/proc/{pid}/task/{tid}/children"


def children(pid: int) -> set[int]:
    """Direct children of ``pid`` (Linux; empty elsewhere)."""
    if not IS_LINUX:
        return set()
    found: set[int] = set()
    try:
        for path in _children_files(pid):
            with open(path, encoding="ascii") as f:
                found.update(int(x) for x in f.read().split())
        return found
    except FileNotFoundError:
        return _children_by_scan(pid)
    except (OSError, ValueError):
        return found


def _children_by_scan(pid: int) -> set[int]:
    """Fallback when the kernel has no ``children`` files: read every stat."""
    found: set[int] = set()
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.add(int(name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def descendants(pid: int) -> set[int]:
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children(todo.pop()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def reap_any() -> None:
    """Reap every child that has exited (never blocks)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_descendants(deadline: float) -> bool:
    """SIGKILL every descendant of this process and reap them; True if none is left."""
    me = os.getpid()
    while True:
        left = descendants(me)
        if not left:
            reap_any()
            return True
        for pid in left:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        reap_any()
        if time.monotonic() > deadline:
            return False
        time.sleep(0.001)
