"""The grader's side: :class:`Sandbox`, a pool of fork servers (or, where there is no
``fork``, of process slots: :mod:`normkatas.sandbox.process`).

Create the Sandbox before loading any kata, reference or expected value: in
fork mode each server is a copy of the grader's process at that moment, and
every student process is forked from it.  A Sandbox is not thread-safe.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import select
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

from normkatas.sandbox import procs
from normkatas.sandbox.codec import decode_outcome, encode_job, encode_next, hidden_reduction
from normkatas.sandbox.env import force_single_thread_blas
from normkatas.sandbox.isolation import (
    IsolationOptions,
    Protections,
    clean_environment,
    set_undumpable,
)
from normkatas.sandbox.process import ProcessSlot
from normkatas.sandbox.protocol import (
    Buffer,
    Header,
    ProtocolError,
    recv_frame,
    send_frame,
    send_frame_with_fds,
)
from normkatas.sandbox.types import CallOutcome, Job, RunOutcome
from normkatas.sandbox.watch import Exit, JobWatch

Mode = Literal["auto", "fork", "spawn", "process"]
Resolved = Literal["fork", "spawn", "process"]
MODE_VAR = "NORMKATAS_SANDBOX_MODE"
"""``process`` (or ``fork``, ``spawn``) in the grader's environment: what ``auto`` means
(tests run the Windows backend on Linux with it)."""
NO_PROCESSES = ("emscripten", "wasi")
READY_SECONDS = 60.0
SLACK_SECONDS = 30.0
CLOSE_SECONDS = 2.0
POLL_SECONDS = 1.0
IS_LINUX = sys.platform.startswith("linux")
_Selector: type[selectors.BaseSelector] = getattr(
    selectors, "PollSelector", selectors.SelectSelector
)
"""poll where there is poll (pipes and sockets); select on Windows (sockets only: the
process backend's)."""


class _Poller:
    """The fds of the running jobs, waited on together: the registrations follow what the
    jobs want from one wait to the next (a job reads one frame per wait, often)."""

    def __init__(self) -> None:
        self._poll = select.poll() if hasattr(select, "poll") else None
        self._registered: dict[int, int] = {}

    def wait(self, wanted: dict[int, int], timeout: float) -> list[tuple[int, int]]:
        """(fd, selectors event) for the fds of ``wanted`` that are ready."""
        if self._poll is None:  # (Windows: sockets only)
            with _Selector() as selector:
                for fd, mask in wanted.items():
                    selector.register(fd, mask)
                return [(key.fd, mask) for key, mask in selector.select(timeout)]
        for fd in [fd for fd in self._registered if fd not in wanted]:
            self._poll.unregister(fd)
            del self._registered[fd]
        for fd, mask in wanted.items():
            if self._registered.get(fd) != mask:
                self._poll.register(fd, select.POLLOUT if mask == selectors.EVENT_WRITE
                                    else select.POLLIN)
                self._registered[fd] = mask
        ready = self._poll.poll(timeout * 1000)
        return [(fd, self._registered[fd]) for fd, _ in ready if fd in self._registered]


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
        self.deadline = 0.0
        self.max_payload = 0
        self.job: Job | None = None
        self.helpers: set[int] = set()
        """The server's own processes (its namespace's init): not a job's."""
        self.watch: JobWatch | None = None
        self.scratch: str | None = None
        self.start_error = ""

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
        helpers = frame[0].get("helpers")
        self.helpers = {int(p) for p in helpers if isinstance(p, int)} \
            if isinstance(helpers, list) else set()
        self.ready = True

    # -- one job --------------------------------------------------------------------------

    def send(self, job: Job) -> None:
        """Start ``job``: the worker's pipe ends go to the server, which forks the worker;
        the job itself goes into the worker's job pipe from here."""
        header, parts = encode_job(job)
        then = encode_next(job.then) if job.then is not None else None
        self._wait_ready()
        now = time.monotonic()
        self.job = job
        later = job.then.limits.seconds if job.then is not None else 0.0
        self.deadline = now + job.limits.seconds + later + SLACK_SECONDS
        self.max_payload = job_payload_bound(job)
        self.scratch = self._make_scratch()
        watch = JobWatch(header, parts, now, then)
        self.sock.settimeout(SLACK_SECONDS)
        try:
            send_frame_with_fds(self.sock, {"op": "run", "scratch": self.scratch}, watch.theirs)
        except BaseException as exc:
            watch.close()
            self._drop_scratch()
            if isinstance(exc, OSError):
                raise _ServerLost(f"the fork server stopped answering: {exc}") from None
            self.close(kill=True)  # interrupted half-way: the stream is out of step
            raise
        watch.sent()
        self.watch = watch
        self.start_error = ""

    def _make_scratch(self) -> str | None:
        """Without a filesystem view, the job's private folder (the worker's cwd, TMPDIR,
        HOME), owned by the slot's user; the grader removes it after the job."""
        if not self.options.enabled or self.protections.filesystem_view:
            return None
        import tempfile

        scratch = tempfile.mkdtemp(prefix="normkatas-job-")
        uid = self.protections.uid
        if uid is not None:
            os.chown(scratch, uid, uid)
        return scratch

    def _drop_scratch(self) -> None:
        if self.scratch is not None:
            import shutil

            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None

    def wanted(self) -> list[tuple[int, int]]:
        """(fd, poll events) to wait on while the job runs."""
        watch = self.watch
        if watch is None:
            return []
        reading, writing = watch.interest()
        read, write = selectors.EVENT_READ, selectors.EVENT_WRITE
        return [(self.sock.fileno(), read), *((fd, read) for fd in reading),
                *((fd, write) for fd in writing)]

    def event(self, fd: int, mask: int, now: float) -> None:
        watch = self.watch
        assert watch is not None
        if fd == self.sock.fileno():
            self._server_message(now)
        elif mask & selectors.EVENT_WRITE:
            watch.write()
        else:
            watch.readable(fd)

    def _server_message(self, now: float) -> None:
        watch = self.watch
        assert watch is not None
        if watch.exit is not None:
            raise _ServerLost("the fork server said more than it should")
        try:
            frame = recv_frame(self.sock, 0)
        except (OSError, ProtocolError) as exc:
            raise _ServerLost(f"the fork server stopped answering: {exc}") from None
        if frame is None or frame[0].get("op") != "exited":
            raise _ServerLost("the fork server hung up")
        header = frame[0]
        if "error" in header:
            self.start_error = str(header["error"])[:500]
            watch.exited(Exit(0), now, drain=0.0)  # (no worker: nothing holds the pipes)
            return
        try:
            exit = Exit(int(header["status"]), int(header["maxrss"]), float(header["cpu"]))
        except (KeyError, TypeError, ValueError):
            raise _ServerLost("the fork server sent a bad message") from None
        watch.exited(exit, now)

    def tick(self, now: float) -> None:
        """Ask the server to kill the worker when the job's clock says so."""
        watch = self.watch
        if watch is not None and watch.tick(now):
            try:
                send_frame(self.sock, {"op": "kill"})
            except OSError as exc:
                raise _ServerLost(f"the fork server stopped answering: {exc}") from None
        if now > self.deadline:
            raise _ServerLost("the fork server did not end the job in time")

    def next_time(self) -> float:
        watch = self.watch
        return min(self.deadline, watch.next_time()) if watch is not None else self.deadline

    def finished(self, now: float) -> bool:
        return self.watch is not None and self.watch.complete(now)

    def take(self) -> tuple[Callable[[], RunOutcome], Job | None]:
        """The outcome of the finished job, to decode (the server is free meanwhile), and
        the job's ``then`` when it is still to run (in a fresh process: this one did not
        finish the job)."""
        watch = self.watch
        job = self.job
        assert watch is not None and job is not None
        now = time.monotonic()
        if self.start_error:
            outcomes = [watch.failed_to_start(self.start_error, now)]
        else:
            outcomes = watch.outcomes(now)
        self._end_job()
        first = _decoder(outcomes[0], job)
        if job.then is None:
            return first, None
        if len(outcomes) == 1:
            return first, job.then
        second = _decoder(outcomes[1], job.then)
        return lambda: dataclasses.replace(first(), then=second()), None

    def _end_job(self) -> None:
        self.job = None
        if self.watch is not None:
            self.watch.close()
            self.watch = None
        self._drop_scratch()

    def receive(self) -> RunOutcome:
        """Wait for the job sent (on its own: `Sandbox.run_many` drives several)."""
        poller = _Poller()
        while not self.finished(time.monotonic()):
            wait = max(0.0, min(self.next_time() - time.monotonic(), POLL_SECONDS))
            for fd, mask in poller.wait(dict(self.wanted()), wait):
                self.event(fd, mask, time.monotonic())
            self.tick(time.monotonic())
        return self.take()[0]()

    def cancel(self) -> None:
        """Stop the job in progress and drop its outcome."""
        if self.watch is None:
            return
        try:
            self.watch.cancel()
            self.deadline = min(self.deadline, time.monotonic() + SLACK_SECONDS)
            self.receive()
        except (OSError, _ServerLost):
            self._end_job()
            self.close(kill=True)

    @property
    def lost(self) -> bool:
        return self.sock.fileno() == -1

    def hang_up(self) -> None:
        self.sock.close()

    def close(self, kill: bool = False) -> None:
        self._end_job()
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
    later = job_payload_bound(job.then) if job.then is not None else 0
    return arrays + 2 * lim.output_bytes + later


def _decoder(outcome: tuple[Header, list[Buffer]], job: Job) -> Callable[[], RunOutcome]:
    header, parts = outcome
    payload = b"".join(parts)  # (one copy of the arrays)
    keys = [c.key for c in job.calls]
    reduce = hidden_reduction(job)
    if reduce is not None:
        return lambda: reduce(decode_outcome(header, payload, keys))
    return lambda: decode_outcome(header, payload, keys)


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

    def job_processes(self) -> set[int]:
        """The processes of jobs under the fork servers (none between jobs): whatever a
        job started that is still alive."""
        found: set[int] = set()
        for server in self._servers:
            if isinstance(server, _Server) and not server.reaped:
                with contextlib.suppress(_ServerLost):
                    server._wait_ready()  # (its helpers are known from then on)
                found |= procs.descendants(server.pid) - server.helpers
        return found

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
        """Start a job; if the server is lost, the job's (crashed) outcome."""
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

    def run(self, job: Job) -> RunOutcome:
        """Run one submission and wait for its outcome."""
        for _, outcome in self.run_many([job]):
            return outcome
        raise SandboxError("the job was not run")  # pragma: no cover - run_many yields one

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
        later: list[tuple[int, Job]] = []
        """Jobs' ``then`` to run afresh (their process did not finish the job)."""
        firsts: dict[int, RunOutcome] = {}
        """The outcomes waiting for their ``then``'s."""
        broken: dict[_Server | ProcessSlot, str] = {}
        poller = _Poller()

        def fill() -> list[tuple[int, RunOutcome]]:
            """Hand the idle servers their next jobs; the outcomes of jobs that failed
            to start."""
            nonlocal exhausted, waiting
            failures = []
            while self._idle and not (exhausted and not later):
                if waiting is not None:
                    item: tuple[int, Job] | None = waiting
                elif later:
                    item = later.pop(0)
                else:
                    item = next(pending, None)
                waiting = None
                if item is None:
                    exhausted = True
                    continue
                reading = sum(s.max_payload for s in busy)
                if busy and reading + job_payload_bound(item[1]) > self.memory_budget:
                    waiting = item  # bounded memory: it waits for a running job to end
                    break
                server = self._take()
                failed = self._submit(server, item[1])
                if failed is not None:
                    if item[1].then is not None:
                        firsts[item[0]] = failed
                        later.append((item[0], item[1].then))
                    else:
                        failures.append((item[0], failed))
                    continue
                busy[server] = item
            return failures

        def finish(
            outcomes: list[tuple[int, RunOutcome]],
        ) -> Generator[tuple[int, RunOutcome], None, None]:
            for index, outcome in outcomes:
                first = firsts.pop(index, None)
                yield index, outcome if first is None else dataclasses.replace(first, then=outcome)

        def lose(server: _Server | ProcessSlot, message: str) -> Callable[[], RunOutcome]:
            server.close(kill=True)
            lost = _lost(busy[server][1], message)
            return lambda: lost

        def ended(server: _Server | ProcessSlot) -> tuple[Callable[[], RunOutcome], Job | None]:
            job = busy[server][1]
            if server in broken:
                return lose(server, broken[server]), job.then
            return server.take()

        try:
            while True:
                yield from finish(fill())
                if not busy:
                    return
                if while_waiting is not None:
                    callback, while_waiting = while_waiting, None
                    callback()
                owners: dict[int, _Server | ProcessSlot] = {}
                wanted: dict[int, int] = {}
                now = time.monotonic()
                wait = max(0.0, min(min(s.next_time() for s in busy) - now, POLL_SECONDS))
                for server in busy:
                    for fd, mask in server.wanted():
                        owners[fd] = server
                        wanted[fd] = mask
                events = poller.wait(wanted, wait)
                now = time.monotonic()
                done: list[tuple[int, Callable[[], RunOutcome]]] = []
                broken.clear()
                for fd, mask in events:
                    server = owners[fd]
                    if server in broken:
                        continue
                    try:
                        server.event(fd, mask, now)
                    except _ServerLost as exc:
                        broken[server] = str(exc)
                for server in list(busy):
                    try:
                        if server not in broken:
                            server.tick(now)
                    except _ServerLost as exc:
                        broken[server] = str(exc)
                    if server not in broken and not server.finished(now):
                        continue
                    decode, rest = ended(server)
                    if rest is not None:  # the first outcome waits for its then's
                        later.append((busy[server][0], rest))
                        firsts[busy[server][0]] = decode()
                    else:
                        done.append((busy[server][0], decode))
                    del busy[server]
                    self._idle.append(server)
                # The freed servers get their next jobs before the caller's turn.
                failures = fill()
                yield from finish([(index, decode()) for index, decode in done])
                yield from finish(failures)
        finally:
            for server in busy:
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
