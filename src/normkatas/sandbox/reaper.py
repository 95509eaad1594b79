"""The pid namespace of a fork server's slot, and its init: what kills a job's processes.

The fork server unshares a pid namespace once, when its slot is set up, and
forks :func:`_init` into it: pid 1 there.  Every worker it forks afterwards
lives in that namespace, and so does everything a worker starts.  After each
job the server asks the init to clear the namespace: it sends ``SIGKILL`` to
every process there but itself (``kill(-1)`` from a namespace's init reaches
exactly those) until none is left.  A student cannot stop that: the init is
pid 1 of its namespace (signals from inside reach it only through handlers it
does not have), it is not dumpable, and the job runs as another user or
without capabilities.  Should the init die anyway, the kernel kills the whole
namespace and the slot can start no more jobs (the grader replaces the server).

One namespace per slot, not one per job: a process unshares a pid namespace
for its children once, and a job then costs one fork, not three.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import time
from typing import NoReturn

from normkatas.sandbox import isolation, limits

PROCESS_NAME = "normkatas-init"
CLEAR_SECONDS = 5.0
"""How long clearing the namespace may take before the slot is given up."""


class SlotReaper:
    """The fork server's handle on its namespace's init."""

    def __init__(self, pid: int, control: int, answers: int) -> None:
        self.pid = pid
        self._control = control
        self._answers = answers

    def clear(self) -> bool:
        """Kill every process of the namespace but the init; True once none is left.
        (Reap the workers first: a zombie of ours still counts as a process there.)"""
        try:
            os.write(self._control, b"k")
            ready, _, _ = select.select([self._answers], [], [], CLEAR_SECONDS)
            return bool(ready) and os.read(self._answers, 1) == b"k"
        except OSError:
            return False

    def forget(self) -> None:
        """Close this handle (in a forked worker: the handle is not the worker's)."""
        for fd in (self._control, self._answers):
            with contextlib.suppress(OSError):
                os.close(fd)

    def close(self) -> None:
        """The init goes, and with it whatever is left in the namespace."""
        self.forget()
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


def start() -> SlotReaper:
    """Unshare a pid namespace for this process's children and fork its init (raises
    OSError where the kernel refuses)."""
    isolation.unshare(isolation.CLONE_NEWPID)
    control_r, control_w = os.pipe()
    answers_r, answers_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(control_w)
            os.close(answers_r)
            _init(control_r, answers_w)
        finally:
            os._exit(1)
    os.close(control_r)
    os.close(answers_w)
    return SlotReaper(pid, control_w, answers_r)


def _init(control: int, answers: int) -> NoReturn:
    """Pid 1 of the slot's namespace: clears it on request; ends when the server does."""
    limits.die_with_parent(signal.SIGKILL)
    limits.set_process_name(PROCESS_NAME)
    low, high = sorted((control, answers))
    os.closerange(3, low)
    os.closerange(low + 1, high)
    os.closerange(high + 1, 1 << 16)
    with contextlib.suppress(ValueError, OSError):
        signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # orphans are reaped by the kernel
    isolation.set_undumpable()
    while True:
        try:
            request = os.read(control, 1)
        except InterruptedError:
            continue
        if not request:
            os._exit(0)
        os.write(answers, b"k" if _kill_all() else b"x")


def _kill_all() -> bool:
    end = time.monotonic() + CLEAR_SECONDS
    while time.monotonic() < end:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            return True  # no process left but this one
        except PermissionError:
            return False
        time.sleep(0.0005)
    return False
