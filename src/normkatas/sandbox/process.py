"""The process backend: one fresh ``python`` per job, for systems without ``fork``.

Windows has no ``fork``, no ``fcntl``, no ``resource`` and no POSIX signals.
This backend needs none of them: each job is a new interpreter,
``python -I -m normkatas.sandbox.spawned`` (:mod:`.spawned`), that reads the
job on its stdin, runs it exactly as the forked worker does, and answers on a
result pipe of its own.  The channel is the fork backend's and just as
hostile: one ``hello`` first, strict framing, the stream's byte budget and
each call's budget checked before anything is kept.

The grader's side (:class:`ProcessSlot`, used by ``client.Sandbox`` in mode
``"process"``) supervises a job from a thread (and a job's ``then``, the hidden
cases, at the same time from another, in a process of its own): reader threads drain the
student's stdout and stderr (keeping the first ``Limits.output_bytes``) and
the result pipe, and the thread owns the clock.  At the deadline, or when the
run is cancelled, it kills the whole process tree: on Windows the job's Job
Object (:mod:`.winjob`: memory and process-count limits, everything killed
when it closes); on POSIX, where this backend runs only when asked for
(``mode="process"``, or ``NORMKATAS_SANDBOX_MODE=process``), the process
group.  The interpreter's start-up does not count against the time limit: the
clock starts when the student's process says ``hello``, before any of the
submission runs.

What it does not give: any isolation beyond a separate process (no other
identity, no namespaces, no filesystem view), and on POSIX nothing kills a
daemon that left the process group.  ``app.platform`` says so to the operator.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import queue
import selectors
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from normkatas.sandbox.codec import decode_outcome, encode_job, hidden_reduction
from normkatas.sandbox.env import force_single_thread_blas
from normkatas.sandbox.isolation import Protections
from normkatas.sandbox.protocol import Buffer, FrameReader, Header, ProtocolError, encode_frame
from normkatas.sandbox.record import Capture, JobRecord
from normkatas.sandbox.types import CallOutcome, Job, Limits, RunOutcome

STARTUP_SECONDS = 60.0
"""How long a fresh interpreter may take to say hello (a cold start on a slow disk)."""
DRAIN_SECONDS = 0.5
KILL_SECONDS = 10.0
EXIT_INTERNAL = 70
EXIT_MEMORY = 71
_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def command(result: str) -> list[str]:
    """The student's interpreter: isolated mode (no ``PYTHON*`` variables, no user site,
    no current folder on the path).  Run from a source tree that is not installed, the
    tree is put on the path first (``-I`` would ignore ``PYTHONPATH``)."""
    if _installed():
        return [sys.executable, "-I", "-m", "normkatas.sandbox.spawned", result]
    boot = (
        "import sys; sys.path.insert(0, sys.argv.pop(1)); "
        "from normkatas.sandbox.spawned import main; main()"
    )
    return [sys.executable, "-I", "-c", boot, _PACKAGE_ROOT, result]


def _installed() -> bool:
    """Is the package found on the interpreter's own path (not only through PYTHONPATH
    or the current folder)?"""
    extra = {os.path.abspath(p) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p}
    on_path = {os.path.abspath(p) for p in sys.path if p}
    return _PACKAGE_ROOT in on_path and _PACKAGE_ROOT not in extra


class _Tree:
    """The student's process and everything it starts: killed as one."""

    def __init__(self, proc: subprocess.Popen[bytes], job: Any = None) -> None:
        self.proc = proc
        self.job = job

    def kill(self) -> None:
        _kill_tree(self)

    def close(self) -> None:
        _kill_tree(self)
        if self.job is not None:
            self.job.close()


# The system's ways are chosen once, at import (a test that pretends to be another
# system keeps this machine's).
if sys.platform == "win32":

    def _popen(argv: Callable[[str], list[str]], write_end: int, limits: Limits,
               options: dict[str, Any]) -> _Tree:
        import msvcrt

        from normkatas.sandbox.winjob import CREATE_SUSPENDED, JobObject

        _binary(write_end)
        handle = msvcrt.get_osfhandle(write_end)
        os.set_handle_inheritable(handle, True)
        flags = subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.CREATE_NO_WINDOW
        proc = subprocess.Popen(  # suspended: in its Job Object before any of it runs
            argv(str(handle)), close_fds=True, creationflags=flags | CREATE_SUSPENDED,
            startupinfo=subprocess.STARTUPINFO(lpAttributeList={"handle_list": [handle]}),
            **options,
        )
        job = None
        try:
            job = JobObject(limits)
            job.adopt(proc.pid)
        except OSError:
            proc.kill()
            if job is not None:
                job.close()
            proc.wait()
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()
            raise
        return _Tree(proc, job)

    def _binary(fd: int) -> None:
        import msvcrt

        msvcrt.setmode(fd, os.O_BINARY)  # bytes as they are: no \r\n translation

    def _kill_tree(tree: _Tree) -> None:
        if tree.job is not None:
            tree.job.kill()
        with contextlib.suppress(OSError):
            tree.proc.kill()

    def _wait_exited(pid: int) -> None:
        return None

    def _cpu_limit_reached(code: int) -> bool:
        return False

else:
    import signal

    def _popen(argv: Callable[[str], list[str]], write_end: int, limits: Limits,
               options: dict[str, Any]) -> _Tree:
        proc = subprocess.Popen(
            argv(str(write_end)), pass_fds=(write_end,), start_new_session=True, **options
        )
        return _Tree(proc)

    def _binary(fd: int) -> None:
        return None

    def _kill_tree(tree: _Tree) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(tree.proc.pid, signal.SIGKILL)  # its own session and process group

    def _cpu_limit_reached(code: int) -> bool:
        return code == -signal.SIGXCPU

    if sys.platform == "linux":

        def _wait_exited(pid: int) -> None:
            """Until ``pid`` has ended, without reaping it: its group id cannot be reused."""
            with contextlib.suppress(ChildProcessError):
                os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)

    else:

        def _wait_exited(pid: int) -> None:
            return None


def _start(limits: Limits) -> tuple[_Tree, int]:
    """The student's interpreter, in its tree, and our end of its result pipe."""
    env = dict(os.environ)
    force_single_thread_blas(env)
    read_end, write_end = os.pipe()
    _binary(read_end)
    options: dict[str, Any] = {
        "stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE,
        "env": env,
    }
    try:
        return _popen(command, write_end, limits, options), read_end
    except BaseException:
        os.close(read_end)
        raise
    finally:
        os.close(write_end)


class ProcessRun:
    """One job in a fresh interpreter: :meth:`run` returns the outcome header and payload
    parts, as the fork backend's job watch makes them (``codec.decode_outcome`` reads
    both)."""

    def __init__(self, job: Header, payload: list[Buffer], cancel: threading.Event) -> None:
        self.job = job
        self.frame = encode_frame(job, payload)
        self.cancelled = cancel
        self.limits = Limits(**job["limits"])
        self.record = JobRecord(job, self.limits)
        self.reader = FrameReader(self.record.stream_budget)
        self.out = Capture(self.limits.output_bytes)
        self.err = Capture(self.limits.output_bytes)
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.timed_out = False
        self.was_cancelled = False
        self.killed = False
        self.killed_at = 0.0
        self.returncode: int | None = None
        self.tree: _Tree | None = None
        self.pid = 0

    # -- the threads -----------------------------------------------------------------

    def _drain(self, stream: Any, capture: Capture, name: str) -> None:
        try:
            while chunk := stream.read1(1 << 16):
                capture.add(chunk)
        except (OSError, ValueError):
            pass
        finally:
            with contextlib.suppress(OSError):
                stream.close()
        self.events.put(("eof", name))

    def _results(self, fd: int) -> None:
        try:
            while self.reader.read_from(fd):
                while self.reader.frames:
                    self.events.put(("frame", self.reader.frames.pop(0)))
        except ProtocolError as exc:
            while self.reader.frames:
                self.events.put(("frame", self.reader.frames.pop(0)))
            self.events.put(("malformed", str(exc)))
        except (OSError, ValueError):
            pass
        finally:
            os.close(fd)
        self.events.put(("eof", "results"))

    def _feed(self, stdin: Any) -> None:
        try:
            for part in self.frame:
                stdin.write(part)
        except (OSError, ValueError):
            pass
        finally:
            with contextlib.suppress(OSError, ValueError):
                stdin.close()

    def _wait(self, proc: subprocess.Popen[bytes]) -> None:
        _wait_exited(proc.pid)
        if self.tree is not None:
            self.tree.kill()  # what it left behind goes too (and lets go of the pipes)
        self.events.put(("exit", proc.wait()))

    # -- the loop --------------------------------------------------------------------

    def run(self) -> tuple[Header, list[Buffer]]:
        start = time.monotonic()
        try:
            self.tree, results = _start(self.limits)
        except (OSError, ValueError) as exc:
            return self._failed_to_start(exc, start)
        proc = self.tree.proc
        self.pid = proc.pid
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        threads = [
            threading.Thread(target=self._drain, args=(proc.stdout, self.out, "stdout")),
            threading.Thread(target=self._drain, args=(proc.stderr, self.err, "stderr")),
            threading.Thread(target=self._results, args=(results,)),
            threading.Thread(target=self._feed, args=(proc.stdin,)),
            threading.Thread(target=self._wait, args=(proc,)),
        ]
        for thread in threads:
            thread.daemon = True
            thread.start()
        try:
            self._watch(start + STARTUP_SECONDS + self.limits.timeout)
        finally:
            self.tree.close()
        return self._outcome(time.monotonic() - start)

    def cancel(self) -> None:
        self.cancelled.set()
        self.events.put(("cancel", None))

    def _watch(self, deadline: float) -> None:
        open_streams = {"stdout", "stderr", "results"}
        drain_until = float("inf")
        if self.cancelled.is_set():
            self.events.put(("cancel", None))
        while self.returncode is None or open_streams:
            now = time.monotonic()
            if self.returncode is None and now >= deadline and not self.killed:
                record = self.record
                self.timed_out = record.said_hello and not (record.done or record.failure)
                if not record.said_hello:
                    record.malformed = "the student's process did not start"
                self._kill()
            limit = drain_until if self.returncode is not None else deadline
            if self.killed and self.returncode is None:
                if now > self.killed_at + KILL_SECONDS:
                    return  # the system would not end it: give up waiting
                limit = now + 1.0
            try:
                kind, value = self.events.get(timeout=max(0.0, min(limit - now, 1.0)))
            except queue.Empty:
                if self.returncode is not None and time.monotonic() >= drain_until:
                    return
                continue
            if kind == "frame":
                deadline = self._frame(*value, deadline=deadline)
            elif kind == "malformed":
                self._malformed(str(value))
            elif kind == "eof":
                open_streams.discard(str(value))
            elif kind == "exit":
                self.returncode = int(value)
                drain_until = time.monotonic() + DRAIN_SECONDS
            elif kind == "cancel" and not self.killed:
                self.was_cancelled = True
                self._kill()

    def _kill(self) -> None:
        if not self.killed:
            self.killed_at = time.monotonic()
        self.killed = True
        if self.tree is not None:
            self.tree.kill()

    def _malformed(self, message: str) -> None:
        if not self.record.malformed:
            self.record.malformed = message
            self._kill()

    def _frame(self, header: Header, payload: bytearray, *, deadline: float) -> float:
        deadline = self.record.take(header, payload, deadline, clock_from_hello=True)
        if self.record.malformed:
            self._kill()
        return deadline

    # -- the outcome -------------------------------------------------------------------

    def _ending(self) -> tuple[str, list[str]]:
        """Why the student's process stopped before finishing: a status and warnings."""
        early = self.record.early_ending(timed_out=self.timed_out, cancelled=self.was_cancelled)
        if early is not None:
            return early
        code = self.returncode or 0
        if code == EXIT_MEMORY:
            return "memory-limit", []
        if code == EXIT_INTERNAL:
            return "crashed", ["the sandbox worker failed (see stderr)"]
        if _cpu_limit_reached(code):
            return "timeout", ["the CPU-time limit was reached"]
        return "crashed", []

    def _outcome(self, duration: float) -> tuple[Header, list[Buffer]]:
        record = self.record
        finished = record.finished and not record.malformed
        ending, warnings = ("ok", []) if finished else self._ending()
        code = self.returncode
        return record.outcome(
            ending, warnings,
            stdout=self.out.outcome, stderr=self.err.outcome,
            exit_code=code if code is not None and code >= 0 else None,
            signal=-code if code is not None and code < 0 else None,
            duration=duration,
        )

    def _failed_to_start(self, exc: BaseException, start: float) -> tuple[Header, list[Buffer]]:
        header, parts = self._outcome(time.monotonic() - start)
        header["status"] = "crashed"
        header["warnings"] = [f"could not start the student's process: {exc}"]
        return header, parts


class ProcessSlot:
    """One job at a time in a fresh interpreter: what ``client.Sandbox`` drives in mode
    ``"process"`` (the same interface as its fork servers).  ``sock`` becomes readable
    when the outcome is ready (so ``Sandbox.run_many`` waits on it like on a server)."""

    def __init__(self, slot: int, payload_bound: Callable[[Job], int]) -> None:
        self.slot = slot
        self._payload_bound = payload_bound
        self.sock, self._signal = socket.socketpair()
        self.ready = True
        self.protections = Protections()
        """Nothing of the hardened sandbox: a separate process, with limits."""
        self.warnings: list[str] = []
        self.deadline = 0.0
        self.max_payload = 0
        self._runs: list[ProcessRun] = []
        self._threads: list[threading.Thread] = []
        self._outcome: Callable[[], RunOutcome] | None = None
        self._closed = False
        self._signalled = False

    @property
    def pid(self) -> int:
        return self._runs[0].pid if self._runs else 0

    @property
    def lost(self) -> bool:
        return self._closed

    def _wait_ready(self) -> None:
        return None

    def send(self, job: Job) -> None:
        """Start the job, and its ``then`` at the same time in a process of its own (each
        job is a fresh interpreter here: nothing to share)."""
        parts = [job] if job.then is None else [dataclasses.replace(job, then=None), job.then]
        budget = max(j.limits.seconds for j in parts)
        self.deadline = time.monotonic() + STARTUP_SECONDS + budget + DRAIN_SECONDS + 5.0
        self.max_payload = self._payload_bound(job)
        self._runs = []
        self._threads = []
        self._outcome = None
        results: list[RunOutcome | None] = [None] * len(parts)
        left = [len(parts)]
        lock = threading.Lock()

        def supervise(index: int, one: Job, run: ProcessRun) -> None:
            keys = [c.key for c in one.calls]
            try:
                out_header, out_parts = run.run()
                payload = b"".join(out_parts)  # (one copy of the arrays)
                outcome = decode_outcome(out_header, payload, keys)
                reduce = hidden_reduction(one)
                if reduce is not None:
                    outcome = reduce(outcome)
            except BaseException as exc:  # never leave the grader waiting
                outcome = RunOutcome(
                    status="crashed", calls=tuple(CallOutcome(k, "not-run") for k in keys),
                    warnings=(f"the process sandbox failed: {exc}",),
                )
            results[index] = outcome
            with lock:
                left[0] -= 1
                if left[0]:
                    return
            first, *rest = results
            assert first is not None
            whole = first if not rest else dataclasses.replace(first, then=rest[0])
            self._outcome = lambda: whole
            with contextlib.suppress(OSError):
                self._signal.send(b"x")

        for index, one in enumerate(parts):
            header, payload = encode_job(one)
            run = ProcessRun(header, payload, threading.Event())
            self._runs.append(run)
            thread = threading.Thread(target=supervise, args=(index, one, run),
                                      name="normkatas-job", daemon=True)
            self._threads.append(thread)
        for thread in self._threads:
            thread.start()

    def receive_frame(self) -> Callable[[], RunOutcome]:
        """Wait for the outcome; returns it (as a function, like the fork servers')."""
        for thread in self._threads:
            thread.join()
        self._threads = []
        self.sock.settimeout(1.0)
        with contextlib.suppress(OSError):
            self.sock.recv(1)
        outcome = self._outcome
        assert outcome is not None, "no job was sent"
        self._outcome = None
        return outcome

    def receive(self) -> RunOutcome:
        return self.receive_frame()()

    # What `Sandbox.run_many` drives (the fork servers' interface): the supervising
    # thread owns the clock and says when the outcome is ready on `sock`.

    def wanted(self) -> list[tuple[int, int]]:
        return [(self.sock.fileno(), selectors.EVENT_READ)]

    def event(self, fd: int, mask: int, now: float) -> None:
        self._signalled = True

    def tick(self, now: float) -> None:
        return None

    def next_time(self) -> float:
        return self.deadline

    def finished(self, now: float) -> bool:
        return self._signalled or now >= self.deadline

    def take(self) -> tuple[Callable[[], RunOutcome], Job | None]:
        self._signalled = False
        return self.receive_frame(), None

    def cancel(self) -> None:
        if self._threads:
            self.hang_up()
            self.receive_frame()

    def hang_up(self) -> None:
        if self._threads:
            for run in self._runs:
                run.cancel()

    def close(self, kill: bool = False) -> None:
        if self._closed:
            return
        self.hang_up()
        for thread in self._threads:
            thread.join()
        self._closed = True
        self.sock.close()
        self._signal.close()
