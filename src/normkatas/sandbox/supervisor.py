"""One job, supervised by the fork server: fork the worker, watch it, report.

The supervisor owns the clock (import + cases on ``timeout``, probes on
``probe_timeout``, performance calls on ``performance_timeout``), drains the
worker's stdout/stderr (keeping the first ``output_bytes``), reads the result
frames, and after the worker ends kills its process group and every
descendant.  It turns all that into the outcome
frame the grader decodes (``codec.decode_outcome``).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import signal
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from normkatas.sandbox import isolation, procs, worker
from normkatas.sandbox.limits import IS_LINUX, IS_MACOS, MB
from normkatas.sandbox.protocol import Buffer, FrameReader, Header, ProtocolError, recv_frame
from normkatas.sandbox.record import Capture, JobRecord
from normkatas.sandbox.types import Limits

DRAIN_SECONDS = 0.5
POLL_SLICE = 0.1
_F_SETPIPE_SZ = 1031


class _Stream(Capture):
    """A stream read from the worker's pipe (non-blocking)."""

    def feed(self, fd: int) -> bool:
        try:
            data = os.read(fd, 1 << 20)
        except (BlockingIOError, InterruptedError):
            return True
        if not data:
            return False
        self.add(data)
        return True


@dataclass
class _State:
    """How the run went, beyond what the worker said (that is the `JobRecord`)."""

    timed_out: bool = False
    cancelled: bool = False
    grader_gone: bool = False
    killed: bool = False


def _pipe(size: int | None = None) -> tuple[int, int]:
    r, w = os.pipe()
    if size and IS_LINUX:
        with contextlib.suppress(OSError):
            fcntl.fcntl(w, _F_SETPIPE_SZ, size)
    os.set_blocking(r, False)
    return r, w


class JobRun:
    """Runs one job; :meth:`run` returns the outcome header and payload parts."""

    def __init__(
        self,
        job: Header,
        payload: bytearray,
        channel: socket.socket,
        wakeup: int,
        slot: isolation.SlotState | None = None,
    ):
        self.slot = slot or isolation.SlotState(
            isolation.IsolationOptions(enabled=False), isolation.Protections()
        )
        self.scratch: str | None = None
        self.init_pid: int | None = None
        self.job = job
        self.payload = payload
        self.channel = channel
        self.wakeup = wakeup
        self.limits = Limits(**job["limits"])
        self.state = _State()
        self.record = JobRecord(job, self.limits)
        self.reader = FrameReader(self.record.stream_budget)
        self.out = _Stream(self.limits.output_bytes)
        self.err = _Stream(self.limits.output_bytes)
        self.pid = 0
        self.wait_status: int | None = None
        self.maxrss = 0
        self.cpu = 0.0

    # -- the loop -------------------------------------------------------------

    def run(self) -> tuple[Header, list[Buffer]]:
        start = time.monotonic()
        try:
            self._prepare_isolation()
        except OSError as exc:
            return self._failed_to_start(exc, start)
        res_r, res_w = _pipe()
        out_r, out_w = _pipe(1 << 20)
        err_r, err_w = _pipe(1 << 20)
        try:
            self.pid = os.fork()
        except OSError as exc:
            for fd in (res_r, res_w, out_r, out_w, err_r, err_w):
                os.close(fd)
            return self._failed_to_start(exc, start)
        if self.pid == 0:
            try:
                pipes = worker.WorkerPipes(res_w, out_w, err_w)
                parent = 0 if self.slot.protections.pid_namespace else os.getppid()
                worker.run(parent, self.job, self.payload, pipes, self.slot, self.scratch)
            finally:
                os._exit(worker.EXIT_INTERNAL)
        for fd in (res_w, out_w, err_w):
            os.close(fd)
        readers = {res_r: self.reader, out_r: self.out, err_r: self.err}
        try:
            self._watch(readers, start + self.limits.timeout)
        finally:
            for fd in readers:
                os.close(fd)
            self._end_isolation()
            procs.reap_any()
        return self._outcome(time.monotonic() - start)

    def _prepare_isolation(self) -> None:
        """The job's pid namespace, or (without a filesystem view) its scratch folder."""
        self.init_pid = isolation.enter_job_namespaces(self.slot)
        prot = self.slot.protections
        if not self.slot.options.enabled or prot.filesystem_view:
            return
        import tempfile

        self.scratch = tempfile.mkdtemp(prefix="normkatas-job-")
        if self.slot.uid is not None and self.slot.gid is not None:
            os.chown(self.scratch, self.slot.uid, self.slot.gid)

    def _end_isolation(self) -> None:
        """Nothing of the job's survives: every process of its identity, its scratch."""
        if self.init_pid is not None:  # the pid namespace goes, and all in it
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.init_pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.init_pid, 0)
        if self.slot.uid is not None and not self.slot.protections.pid_namespace:
            isolation.kill_identity(self.slot.uid)
        if self.scratch is not None:
            import shutil

            shutil.rmtree(self.scratch, ignore_errors=True)

    def _watch(self, readers: dict[int, Any], deadline: float) -> None:
        poller = select.poll()
        for fd in (*readers, self.wakeup, self.channel.fileno()):
            poller.register(fd, select.POLLIN)
        open_fds = set(readers)
        drain_until = 0.0
        while self.wait_status is None or open_fds:
            now = time.monotonic()
            if self.wait_status is None:
                if now >= deadline and not self.state.killed:
                    self.state.timed_out = not (self.record.done or self.record.failure)
                    self._kill()
                wait = max(0.0, deadline - now) if not self.state.killed else POLL_SLICE
            else:
                wait = drain_until - now
                if wait <= 0:
                    break
            for fd, _ in poller.poll(min(wait, POLL_SLICE) * 1000):
                if fd == self.wakeup:
                    self._drain_wakeup()
                elif fd == self.channel.fileno():
                    poller.unregister(fd)
                    self._grader_message()
                elif fd in open_fds and not self._read(fd, readers[fd]):
                    poller.unregister(fd)
                    open_fds.discard(fd)
            deadline = self._frames(deadline)
            if self.wait_status is None and self._reap():
                drain_until = time.monotonic() + DRAIN_SECONDS

    def _read(self, fd: int, reader: Any) -> bool:
        try:
            return bool(reader.read_from(fd) if reader is self.reader else reader.feed(fd))
        except ProtocolError as exc:
            self._malformed(str(exc))
            return False

    def _frames(self, deadline: float) -> float:
        record = self.record
        while self.reader.frames and not record.malformed:
            header, payload = self.reader.frames.pop(0)
            deadline = record.take(header, payload, deadline)
            if record.malformed:
                self._kill()
        return deadline

    def _malformed(self, message: str) -> None:
        if not self.record.malformed:
            self.record.malformed = message
            self._kill()

    def _grader_message(self) -> None:
        try:
            peek = self.channel.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
            frame = recv_frame(self.channel, 1 << 20) if peek else None
        except (BlockingIOError, InterruptedError):
            return
        except (OSError, ProtocolError):
            frame = None
        self.state.cancelled = True
        self.state.grader_gone = frame is None
        self._kill()

    def _drain_wakeup(self) -> None:
        try:
            while os.read(self.wakeup, 4096):
                pass
        except (BlockingIOError, InterruptedError):
            pass

    def _kill(self) -> None:
        self.state.killed = True
        if self.wait_status is None:
            procs.kill_group(self.pid)
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)

    def _reap(self) -> bool:
        """If the worker has ended: kill what it left behind, reap it; True then."""
        waitid = getattr(os, "waitid", None)
        if waitid is not None:
            try:
                if waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
                    return False
            except ChildProcessError:
                pass
            procs.kill_group(self.pid)  # the zombie still holds the group id: no reuse race
            _, status, usage = os.wait4(self.pid, 0)
        else:  # pragma: no cover - platforms without waitid
            pid, status, usage = os.wait4(self.pid, os.WNOHANG)
            if pid == 0:
                return False
            procs.kill_group(self.pid)
        self.wait_status = status
        self.maxrss = usage.ru_maxrss * (1 if IS_MACOS else 1024)
        self.cpu = usage.ru_utime + usage.ru_stime
        procs.kill_descendants(time.monotonic() + 1.0)
        return True

    # -- the outcome ------------------------------------------------------------

    def _ending(self) -> tuple[str, list[str]]:
        """Why the worker stopped before finishing: a call/run status and warnings."""
        st, status = self.state, self.wait_status or 0
        if self.record.malformed:
            message = self.record.malformed
            return "crashed", [f"malformed message from the student's process: {message}"]
        if st.timed_out:
            return "timeout", []
        if st.cancelled:
            return "crashed", ["the run was cancelled"]
        if os.WIFEXITED(status):
            code = os.WEXITSTATUS(status)
            if code == worker.EXIT_MEMORY:
                return "memory-limit", []
            if code == worker.EXIT_INTERNAL:
                return "crashed", ["the sandbox worker failed (see stderr)"]
            return "crashed", []
        sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
        lim = self.limits
        if sig == signal.SIGXCPU or self.cpu >= (
            lim.timeout + lim.probe_timeout + lim.performance_timeout
        ):
            return "timeout", ["the CPU-time limit was reached"]
        heavy = self.maxrss >= self.limits.memory_mb * MB // 2
        if heavy and sig in (signal.SIGKILL, signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT):
            return "memory-limit", []
        return "crashed", []

    def _outcome(self, duration: float) -> tuple[Header, list[Buffer]]:
        record = self.record
        finished = record.finished and not record.malformed
        ending, warnings = ("ok", []) if finished else self._ending()
        status = self.wait_status or 0
        return record.outcome(
            ending, warnings,
            stdout=self.out.outcome, stderr=self.err.outcome,
            exit_code=os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            signal=os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            duration=duration,
        )

    def _failed_to_start(self, exc: OSError, start: float) -> tuple[Header, list[Buffer]]:
        self.wait_status = 0
        header, parts = self._outcome(time.monotonic() - start)
        header["status"] = "crashed"
        header["warnings"] = [f"could not start the student's process: {exc}"]
        return header, parts


def run_job(
    job: Header,
    payload: bytearray,
    channel: socket.socket,
    wakeup: int,
    slot: isolation.SlotState | None = None,
) -> tuple[Header, Sequence[Buffer], bool]:
    """Supervise one job; the bool says the grader hung up (the server should exit)."""
    run = JobRun(job, payload, channel, wakeup, slot)
    header, parts = run.run()
    return header, parts, run.state.grader_gone
