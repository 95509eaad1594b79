"""Building students' results (comparison, and diagnosis of the failing ones) off the main loop.

The diagnosis is the costliest part of grading a failing submission, and it
runs in the grader (it needs the reference), not in the sandbox.  With
several cores, results are built on worker processes forked from the
grader *after* the katas are prepared: trusted processes that share the
prepared katas and never run student code.  With one core, or few
submissions, they are built on one thread of the grader.  Either way the
main loop keeps feeding the sandbox while results are built.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import TYPE_CHECKING

import msgspec

from normkatas.report.result import Result

if TYPE_CHECKING:
    from normkatas.app.batch.collect import Submission
    from normkatas.grading.prepared import PreparedKata
    from normkatas.sandbox.types import RunOutcome

BuildFn = Callable[["PreparedKata", "Submission", "Sequence[RunOutcome]"], Result]
Done = Callable[["Submission", Result], None]

BUILD_SECONDS = 300.0
"""A watchdog, not a limit: a builder that holds one result longer is given up on."""
POLL_SECONDS = 1.0

MIN_FOR_PROCESSES = 8
"""Fewer submissions than this are built on a thread: forking is not worth it."""

_SHARED: dict[str, object] = {}
"""What the worker processes inherit: the prepared katas and the build function."""


def _worker_init() -> None:
    from normkatas.sandbox.limits import die_with_parent

    # Ctrl-C in a terminal reaches the whole process group: the grader decides.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent(signal.SIGKILL)


def _worker_build(kata_id: str, submission: Submission, outcomes: Sequence[RunOutcome]) -> bytes:
    build: BuildFn = _SHARED["build"]  # type: ignore[assignment]
    prepared: dict[str, PreparedKata] = _SHARED["prepared"]  # type: ignore[assignment]
    return msgspec.msgpack.encode(build(prepared[kata_id], submission, outcomes))


class Builder:
    """``submit`` a student's outcomes; ``done(submission, result)`` is called, in order of
    completion, from one thread at a time; ``close`` waits for everything submitted."""

    def __init__(
        self,
        prepared: dict[str, PreparedKata],
        build: BuildFn,
        done: Done,
        *,
        processes: int,
    ) -> None:
        self.prepared = prepared
        self.build = build
        self.done = done
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="grade-build")
        self._futures: list[Future[None]] = []
        self._pool: ProcessPoolExecutor | None = None
        if processes > 0 and _can_fork():
            # Forked (all at once, at the first submit) from this process as it is now.
            _SHARED.update(prepared=prepared, build=build)
            self._pool = ProcessPoolExecutor(
                processes, mp_context=multiprocessing.get_context("fork"),
                initializer=_worker_init,
            )

    def submit(self, submission: Submission, kata_id: str, outcomes: list[RunOutcome]) -> None:
        if self._pool is None:
            self._futures.append(self._thread.submit(self._local, submission, kata_id, outcomes))
            return
        try:
            remote = self._pool.submit(_worker_build, kata_id, submission, outcomes)
        except RuntimeError:  # the pool was given up on: build here
            self._futures.append(self._thread.submit(self._local, submission, kata_id, outcomes))
            return
        # The (cheap) decode, store and progress run on the one builder thread.
        self._futures.append(self._thread.submit(self._remote, submission, kata_id, outcomes,
                                                 remote))

    def _local(self, submission: Submission, kata_id: str, outcomes: list[RunOutcome]) -> None:
        self.done(submission, self.build(self.prepared[kata_id], submission, outcomes))

    def _remote(
        self,
        submission: Submission,
        kata_id: str,
        outcomes: list[RunOutcome],
        remote: Future[bytes],
    ) -> None:
        try:
            data = self._wait(remote)
        except Exception:  # a worker died (BrokenProcessPool) or hung: build it here instead
            return self._local(submission, kata_id, outcomes)
        self.done(submission, msgspec.msgpack.decode(data, type=Result))

    def _wait(self, remote: Future[bytes]) -> bytes:
        """The builder's answer; a stopped (SIGSTOP) or hung builder pool is killed."""
        import time

        end = time.monotonic() + BUILD_SECONDS
        while True:
            try:
                return remote.result(timeout=POLL_SECONDS)
            except TimeoutError:
                if time.monotonic() > end or self._pool_stopped():
                    self._abandon_pool()
                    raise

    def _pool_processes(self) -> list[int]:
        pool = self._pool
        procs = getattr(pool, "_processes", None) or {}
        return [int(pid) for pid in list(procs)]

    def _pool_stopped(self) -> bool:
        for pid in self._pool_processes():
            try:
                with open(f"/proc/{pid}/stat", "rb") as handle:
                    state = handle.read().rsplit(b")", 1)[1].split()[0]
            except (OSError, IndexError):
                continue
            if state in (b"T", b"t"):
                return True
        return False

    def _abandon_pool(self) -> None:
        pool, pids = self._pool, self._pool_processes()
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self, *, interrupted: bool = False) -> None:
        """Wait for every result (interrupted: only for the one being finished)."""
        self._thread.shutdown(wait=True, cancel_futures=interrupted)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=interrupted)
            self._pool = None
        _SHARED.clear()
        if not interrupted:
            for future in self._futures:
                future.result()


def build_processes(jobs: int, todo: int, diagnose: bool) -> int:
    """How many worker processes build results (0: a thread of the grader does)."""
    if not diagnose or jobs < 2 or todo < MIN_FOR_PROCESSES:
        return 0
    return max(1, min(jobs, os.cpu_count() or 1) - 1)


def _can_fork() -> bool:
    return sys.platform != "win32" and hasattr(os, "fork")
