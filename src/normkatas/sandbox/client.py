"""The grader's side: :class:`Sandbox`, a pool of fork servers (or, where there is no
``fork``, of process slots: :mod:`normkatas.sandbox.process`).

Create the Sandbox before loading any kata, reference or expected value: in
fork mode each server is a copy of the grader's process at that moment, and
every student process is forked from it.  A Sandbox is not thread-safe.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable, Generator, Iterable
from typing import Literal

from normkatas.sandbox.codec import decode_outcome, encode_job, hidden_reduction
from normkatas.sandbox.env import force_single_thread_blas
from normkatas.sandbox.isolation import (
    IsolationOptions,
    Protections,
    clean_environment,
    set_undumpable,
)
from normkatas.sandbox.process import ProcessSlot
from normkatas.sandbox.protocol import ProtocolError, recv_frame, send_frame
from normkatas.sandbox.types import CallOutcome, Job, RunOutcome

Mode = Literal["auto", "fork", "spawn", "process"]
Resolved = Literal["fork", "spawn", "process"]
MODE_VAR = "NORMKATAS_SANDBOX_MODE"
"""``process`` (or ``fork``, ``spawn``) in the grader's environment: what ``auto`` means
(tests run the Windows backend on Linux with it)."""
NO_PROCESSES = ("emscripten", "wasi")
READY_SECONDS = 60.0
SLACK_SECONDS = 30.0
CLOSE_SECONDS = 2.0
READ_SECONDS = 5.0
IS_LINUX = sys.platform.startswith("linux")


class SandboxError(RuntimeError):
    """The sandbox cannot run at all (platform, fork server not starting)."""


class _ServerLost(Exception):
    """A fork server stopped answering; the job it had is lost."""


def resolve_mode(mode: Mode) -> tuple[Resolved, list[str]]:
    """``auto``: fork on Linux while no other Python thread runs, spawn on other POSIX
    systems, and a fresh process per job where there is no ``fork`` (Windows)."""
    if mode not in ("auto", "fork", "spawn", "process"):
        raise ValueError(f"unknown sandbox mode {mode!r}")
    if sys.platform in NO_PROCESSES:
        raise SandboxError("the sandbox needs to start processes, which this system cannot")
    if mode == "auto":
        forced = os.environ.get(MODE_VAR, "").strip().lower()
        if forced in ("fork", "spawn", "process"):
            mode = forced  # type: ignore[assignment]
    if mode == "process":
        return "process", []
    if sys.platform == "win32" or not hasattr(os, "fork"):
        if mode == "auto":
            return "process", []
        raise SandboxError(f"the {mode} sandbox needs fork (Linux or macOS); "
                           "this system has the process sandbox")
    if mode == "fork" or mode == "spawn":
        return mode, []
    if not IS_LINUX:
        return "spawn", []
    if threading.active_count() > 1:
        return "spawn", ["other threads are running: the fork server was spawned instead"]
    return "fork", []


def _fork_server(
    channel: socket.socket, close: list[socket.socket], slot: int, options: IsolationOptions
) -> int:
    with warnings.catch_warnings():
        if threading.active_count() == 1:  # only native pools (BLAS): they are fork-aware
            warnings.filterwarnings("ignore", ".*multi-threaded.*fork", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the server: never returns into the grader's code
        try:
            for sock in close:
                sock.close()
            from normkatas.sandbox import zygote

            zygote.serve(channel, slot, options)
        finally:
            os._exit(1)
    return pid


def _spawn_server(
    channel: socket.socket, slot: int, options: IsolationOptions
) -> subprocess.Popen[bytes]:
    import dataclasses
    import json

    root = os.path.dirname(os.path.dirname(os.path.abspath(os.path.dirname(__file__))))
    code = (
        f"import sys; sys.path.insert(0, {root!r}); "
        "import normkatas.sandbox.zygote as z; z.main()"
    )
    env = dict(os.environ)
    if options.enabled:
        clean_environment(env)
    force_single_thread_blas(env)
    return subprocess.Popen(
        [sys.executable, "-c", code, str(channel.fileno()), str(slot),
         json.dumps(dataclasses.asdict(options))],
        pass_fds=(channel.fileno(),),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        env=env,
    )


class _Server:
    """One fork server and our end of its socket."""

    def __init__(
        self,
        mode: Literal["fork", "spawn"],
        others: list[socket.socket],
        slot: int = 0,
        options: IsolationOptions | None = None,
    ) -> None:
        options = options or IsolationOptions(enabled=False)
        self.mode = mode
        self.slot = slot
        self.options = options
        self.sock, theirs = socket.socketpair()
        self.proc: subprocess.Popen[bytes] | None = None
        try:
            if mode == "fork":
                self.pid = _fork_server(theirs, [self.sock, *others], slot, options)
            else:
                self.proc = _spawn_server(theirs, slot, options)
                self.pid = self.proc.pid
        except BaseException:
            self.sock.close()
            raise
        finally:
            theirs.close()
        self.ready = False
        self.reaped = False
        self.warnings: list[str] = []
        self.protections = Protections()
        self.keys: list[str] = []
        self.reduce: Callable[[RunOutcome], RunOutcome] | None = None
        self.deadline = 0.0
        self.max_payload = 0
        self.sent_calls: object = None
        """The calls of the last job sent (the server keeps them for the next job)."""

    def _wait_ready(self) -> None:
        if self.ready:
            return
        self.sock.settimeout(READY_SECONDS)
        try:
            frame = recv_frame(self.sock, 0)
        except (OSError, ProtocolError) as exc:
            raise _ServerLost(f"the fork server did not start: {exc}") from None
        if frame is None or frame[0].get("op") != "ready":
            raise _ServerLost("the fork server did not start")
        self.warnings = [str(w) for w in frame[0].get("warnings", [])]
        raw = frame[0].get("protections")
        self.protections = Protections.from_dict(raw if isinstance(raw, dict) else {})
        self.ready = True

    def send(self, job: Job) -> None:
        # Every job is sent whole: the server forks a fresh process to read each one.
        header, parts = encode_job(job)
        self._wait_ready()
        lim = job.limits
        self.keys = [c.key for c in job.calls]
        self.reduce = hidden_reduction(job)
        budget = lim.timeout + lim.probe_timeout + lim.performance_timeout
        self.deadline = time.monotonic() + budget + SLACK_SECONDS
        self.max_payload = job_payload_bound(job)
        self.sock.settimeout(SLACK_SECONDS)
        self.sent_calls = None
        try:
            send_frame(self.sock, header, parts)
            self.sent_calls = job.calls if isinstance(job.calls, tuple) else None
        except OSError as exc:
            raise _ServerLost(f"the fork server stopped answering: {exc}") from None
        except BaseException:  # interrupted half-way: the stream is out of step
            self.close(kill=True)
            raise

    def receive(self) -> RunOutcome:
        return self.receive_frame()()

    def receive_frame(self) -> Callable[[], RunOutcome]:
        """Read the outcome frame; returns its decoder (the server is free meanwhile)."""
        # At least a few seconds: the outcome may be waiting while run_many's caller was busy.
        self.sock.settimeout(max(READ_SECONDS, self.deadline - time.monotonic()))
        try:
            frame = recv_frame(self.sock, self.max_payload)
        except (OSError, ProtocolError) as exc:
            raise _ServerLost(f"the fork server stopped answering: {exc}") from None
        except BaseException:
            self.close(kill=True)
            raise
        if frame is None or frame[0].get("op") != "outcome":
            raise _ServerLost("the fork server hung up")
        try:  # the server says when every process of the job is gone
            idle = recv_frame(self.sock, 0)
        except (OSError, ProtocolError) as exc:
            raise _ServerLost(f"the fork server stopped answering: {exc}") from None
        except BaseException:
            self.close(kill=True)
            raise
        if idle is None or idle[0].get("op") != "idle":
            raise _ServerLost("the fork server hung up")
        header, payload = frame
        keys = self.keys
        reduce = self.reduce
        if reduce is not None:
            return lambda: reduce(decode_outcome(header, payload, keys))
        return lambda: decode_outcome(header, payload, keys)

    def cancel(self) -> None:
        """Stop the job in progress and drop its outcome."""
        try:
            send_frame(self.sock, {"op": "cancel"})
            self.deadline = min(self.deadline, time.monotonic() + SLACK_SECONDS)
            self.receive()
        except (OSError, _ServerLost):
            self.close(kill=True)

    @property
    def lost(self) -> bool:
        return self.sock.fileno() == -1

    def hang_up(self) -> None:
        self.sock.close()

    def close(self, kill: bool = False) -> None:
        self.sock.close()
        if self.reaped:
            return
        self.reaped = True
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        if self.proc is not None:
            try:
                self.proc.wait(CLOSE_SECONDS)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            return
        end = time.monotonic() + CLOSE_SECONDS
        while True:
            try:
                pid, _ = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                return
            if pid:
                return
            if time.monotonic() > end:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, signal.SIGKILL)
                end = float("inf")
            time.sleep(0.001)


def job_payload_bound(job: Job) -> int:
    """The most outcome bytes the grader reads for ``job``: the arrays its calls may
    return (each call's budget, or the run's) and the kept output."""
    lim = job.limits
    arrays = lim.total_result_bytes
    budgets = [c.max_result_bytes for c in job.calls]
    if budgets and all(b is not None for b in budgets):
        arrays = min(arrays, sum(b for b in budgets if b is not None))
    return arrays + 2 * lim.output_bytes


def _lost(job: Job, message: str) -> RunOutcome:
    calls = tuple(CallOutcome(c.key, "not-run") for c in job.calls)
    return RunOutcome(status="crashed", calls=calls, warnings=(message,))


class Sandbox:
    """Runs submissions in isolated processes; ``jobs`` of them at once.

    ``mode``: ``"fork"`` (a fork server forked from this process now),
    ``"spawn"`` (a fresh interpreter), ``"process"`` (no fork server: a fresh
    interpreter per job, :mod:`normkatas.sandbox.process`), or ``"auto"`` (fork on
    Linux, spawn on macOS, process on Windows; ``NORMKATAS_SANDBOX_MODE`` overrides
    it).  The servers start in the constructor.
    """

    def __init__(
        self,
        jobs: int = 1,
        mode: Mode = "auto",
        *,
        isolation: IsolationOptions | bool = True,
        memory_budget: int = 4 * 1024 * 1024 * 1024,
    ) -> None:
        if jobs < 1:
            raise ValueError("jobs must be at least 1")
        self.jobs = jobs
        if isinstance(isolation, bool):
            isolation = IsolationOptions.from_environment(enabled=isolation)
        self.isolation = isolation
        self.memory_budget = memory_budget
        """Outcome bytes the grader may be reading for all running jobs together: past
        it, a job waits for another to finish (one job always runs)."""
        resolved, notes = resolve_mode(mode)
        self.mode: Resolved = resolved
        self._notes = notes
        self._servers: list[_Server | ProcessSlot] = []
        self._idle: list[_Server | ProcessSlot] = []
        self._closed = False
        try:
            self.start()
        except BaseException:
            self.close()
            raise

    def start(self) -> None:
        """Start the fork servers (the constructor does; idempotent)."""
        if self._closed:
            raise SandboxError("the sandbox is closed")
        while len(self._servers) < self.jobs:
            slot = len(self._servers)
            server: _Server | ProcessSlot
            if self.mode == "process":
                server = ProcessSlot(slot, job_payload_bound)
            else:
                server = _Server(self.mode, [s.sock for s in self._servers], slot, self.isolation)
            self._servers.append(server)
            self._idle.append(server)

    @property
    def pids(self) -> tuple[int, ...]:
        """Process ids of the fork servers."""
        return tuple(s.pid for s in self._servers)

    @property
    def protections(self) -> Protections:
        """What isolates the jobs here (every slot's weakest): for the grader to refuse
        hidden cases a job could read, and for the operator's output."""
        for server in self._servers:
            if not server.lost:
                with contextlib.suppress(_ServerLost):
                    server._wait_ready()
        return Protections.weakest(s.protections for s in self._servers if s.ready)

    @property
    def warnings(self) -> tuple[str, ...]:
        """Notes for the operator about how the sandbox started (spawn instead of fork) and
        what its servers could not set up (a subreaper, BLAS threads)."""
        servers = [w for s in self._servers if s.ready for w in s.warnings]
        return tuple(dict.fromkeys([*self._notes, *servers]))

    def _take(self) -> _Server | ProcessSlot:
        """An idle server; a lost one is replaced first, by a spawned one."""
        if self._closed:
            raise SandboxError("the sandbox is closed")
        if not self._idle:
            raise SandboxError("every fork server is busy (is a run_many still open?)")
        server = self._idle.pop(0)
        if server.lost:  # forking now could copy katas loaded since: spawn instead
            server.close(kill=True)
            fresh: _Server | ProcessSlot = (
                ProcessSlot(server.slot, job_payload_bound) if self.mode == "process"
                else _Server("spawn", [], server.slot, self.isolation)
            )
            self._servers[self._servers.index(server)] = fresh
            server = fresh
        return server

    def _submit(self, server: _Server | ProcessSlot, job: Job) -> RunOutcome | None:
        """Send a job; if the server is lost, the job's (crashed) outcome."""
        try:
            server.send(job)
            if self.isolation.enabled and self.mode != "process" \
                    and not server.protections.pid_namespace:
                set_undumpable()  # the job can see us: no /proc/<grader>/mem, environ, fd
            return None
        except _ServerLost as exc:
            server.close(kill=True)
            self._idle.append(server)
            return _lost(job, str(exc))
        except BaseException:  # a job it cannot encode, an interrupt: the server stays ours
            self._idle.append(server)
            raise

    def _finish(self, server: _Server | ProcessSlot, job: Job) -> RunOutcome:
        """Receive one outcome (the server has the job) and put the server back."""
        try:
            outcome = server.receive()
        except _ServerLost as exc:
            server.close(kill=True)
            outcome = _lost(job, str(exc))
        finally:
            self._idle.append(server)
        return outcome

    def _collect(self, server: _Server | ProcessSlot, job: Job) -> Callable[[], RunOutcome]:
        """Like `_finish`, but the outcome is decoded when the returned function is called."""
        try:
            decode = server.receive_frame()
        except _ServerLost as exc:
            server.close(kill=True)
            lost = _lost(job, str(exc))
            decode = lambda: lost  # noqa: E731
        finally:
            self._idle.append(server)
        return decode

    def run(self, job: Job) -> RunOutcome:
        """Run one submission and wait for its outcome."""
        server = self._take()
        failed = self._submit(server, job)
        return failed if failed is not None else self._finish(server, job)

    def run_many(
        self, jobs: Iterable[Job], *, while_waiting: Callable[[], object] | None = None
    ) -> Generator[tuple[int, RunOutcome], None, None]:
        """Run submissions, at most ``self.jobs`` at once; yields as they finish.

        ``while_waiting`` is called once, after the first jobs were handed to the
        fork servers: work of the caller's that overlaps with the students' code.
        Closing the generator early cancels the jobs still running.
        """
        pending = enumerate(jobs)
        busy: dict[_Server | ProcessSlot, tuple[int, Job]] = {}
        exhausted = False
        waiting: tuple[int, Job] | None = None

        def fill() -> list[tuple[int, RunOutcome]]:
            """Hand the idle servers their next jobs; the outcomes of jobs that failed
            to start."""
            nonlocal exhausted, waiting
            failures = []
            while self._idle and not exhausted:
                item = waiting if waiting is not None else next(pending, None)
                waiting = None
                if item is None:
                    exhausted = True
                    break
                reading = sum(s.max_payload for s in busy)
                if busy and reading + job_payload_bound(item[1]) > self.memory_budget:
                    waiting = item  # bounded memory: it waits for a running job to end
                    break
                server = self._take()
                failed = self._submit(server, item[1])
                if failed is not None:
                    failures.append((item[0], failed))
                    continue
                busy[server] = item
                selector.register(server.sock, selectors.EVENT_READ, server)
            return failures

        with selectors.DefaultSelector() as selector:
            try:
                while True:
                    yield from fill()
                    if not busy:
                        return
                    if while_waiting is not None:
                        callback, while_waiting = while_waiting, None
                        callback()
                    first = min(s.deadline for s in busy)
                    events = selector.select(max(0.0, first - time.monotonic()))
                    ready = [key.data for key, _ in events]
                    if not ready:
                        ready = [s for s in busy if s.deadline <= time.monotonic()]
                    done = []
                    for server in ready:
                        selector.unregister(server.sock)
                        index, job = busy.pop(server)
                        done.append((index, self._collect(server, job)))
                    # The freed servers get their next jobs before the caller's turn.
                    failures = fill()
                    for index, decode in done:
                        yield index, decode()
                    yield from failures
            finally:
                for server in busy:
                    selector.unregister(server.sock)
                    server.cancel()
                    self._idle.append(server)

    def close(self) -> None:
        """Stop every fork server (and whatever they still run)."""
        if self._closed:
            return
        self._closed = True
        for server in self._servers:
            server.hang_up()
        for server in self._servers:
            server.close()
        self._idle.clear()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_closed", True):
            return
        warnings.warn(f"unclosed {self!r}", ResourceWarning, stacklevel=2, source=self)
        with contextlib.suppress(Exception):
            self.close()
