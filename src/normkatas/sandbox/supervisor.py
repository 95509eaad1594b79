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
from dataclasses import dataclass, field
from typing import Any

from normkatas.sandbox import isolation, procs, worker
from normkatas.sandbox.limits import IS_LINUX, IS_MACOS, MB
from normkatas.sandbox.protocol import Buffer, FrameReader, Header, ProtocolError, recv_frame
from normkatas.sandbox.types import Limits, run_order

DRAIN_SECONDS = 0.5
DONE_GRACE = 1.0
POLL_SLICE = 0.1
_F_SETPIPE_SZ = 1031
_WORKER_STATUSES = frozenset({"ok", "exception", "memory-limit", "crashed", "not-run"})
"""("not-run": a step of a sequence case whose earlier call did not finish.)"""
_IMPORT_STATUSES = frozenset(
    {"syntax-error", "import-error", "missing-function", "memory-limit", "crashed"}
)
_ENDING_STATUSES = ("timeout", "crashed", "memory-limit")


class _Capture:
    """One output stream: the first ``limit`` bytes kept, all of it counted."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept = bytearray()
        self.total = 0

    def feed(self, fd: int) -> bool:
        try:
            data = os.read(fd, 1 << 20)
        except (BlockingIOError, InterruptedError):
            return True
        if not data:
            return False
        self.total += len(data)
        room = self.limit - len(self.kept)
        if room > 0:
            self.kept += data[:room]
        return True


@dataclass
class _State:
    """What the supervisor learned about the worker so far."""

    order: list[int]
    hello: list[str] = field(default_factory=list)
    imported: bool = False
    done: bool = False
    failure: Header | None = None
    calls: dict[int, tuple[Header, bytearray]] = field(default_factory=dict)
    ended_by_call: bool = False
    malformed: str = ""
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
        self.state = _State(order=run_order([c["group"] for c in job["calls"]]))
        budgets = [c.get("max_bytes") for c in job["calls"]]
        total = self.limits.total_result_bytes
        if budgets and all(isinstance(b, int) and b >= 0 for b in budgets):
            total = min(total, sum(budgets))
        self.reader = FrameReader(total)
        self.frames_seen = 0
        self.out = _Capture(self.limits.output_bytes)
        self.err = _Capture(self.limits.output_bytes)
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
                    self.state.timed_out = not (self.state.done or self.state.failure)
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
        st = self.state
        while self.reader.frames and not st.malformed:
            header, payload = self.reader.frames.pop(0)
            kind = header.get("type")
            self.frames_seen += 1
            if kind == "hello" and self.frames_seen == 1 and isinstance(
                header.get("warnings"), list
            ):
                st.hello = [str(w)[:2000] for w in header["warnings"][:20]]
            elif kind == "imported" and not st.imported:
                st.imported = True
            elif kind == "import-failed" and not st.imported and st.failure is None:
                if header.get("status") not in _IMPORT_STATUSES:
                    self._malformed("bad import status")
                st.failure = header
            elif kind == "call" and st.imported and self._call_frame(header, payload):
                pass
            elif kind == "probes" and st.imported:
                deadline = time.monotonic() + self.limits.probe_timeout
            elif kind == "performance" and st.imported:
                deadline = time.monotonic() + self.limits.performance_timeout
            elif kind == "done" and st.imported and len(st.calls) == len(st.order):
                st.done = True
                deadline = min(deadline, time.monotonic() + DONE_GRACE)
            else:
                self._malformed(f"unexpected {str(kind)[:40]!r} message")
        return deadline

    def _call_frame(self, header: Header, payload: bytearray) -> bool:
        st = self.state
        received = len(st.calls)
        if st.ended_by_call or received >= len(st.order):
            return False
        if header.get("index") != st.order[received]:
            return False
        if header.get("status") not in _WORKER_STATUSES:
            return False
        allowed = self.job["calls"][st.order[received]].get("max_bytes")
        if isinstance(allowed, int) and len(payload) > allowed:
            return False
        st.calls[st.order[received]] = (header, payload)
        st.ended_by_call = header["status"] in ("crashed", "memory-limit")
        return True

    def _malformed(self, message: str) -> None:
        if not self.state.malformed:
            self.state.malformed = message
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
        if st.malformed:
            return "crashed", [f"malformed message from the student's process: {st.malformed}"]
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

    def _call_entries(self, ending: str) -> tuple[dict[int, Header], list[Buffer]]:
        """One entry per call (by index) and the payload parts they point into."""
        st = self.state
        parts: list[Buffer] = []
        offset = 0
        entries: dict[int, Header] = {}
        blamed = not st.imported or st.failure is not None or st.ended_by_call
        for index in st.order:
            entry: Header = {"status": "not-run", "base": 0, "size": 0}
            if index in st.calls:
                frame, payload = st.calls[index]
                keys = ("status", "value", "exception", "mutated", "duration")
                entry = {k: frame.get(k) for k in keys}
                entry.update(base=offset, size=len(payload))
                parts.append(payload)
                offset += len(payload)
            elif not blamed and ending != "ok":
                entry["status"], blamed = ending, True
            entries[index] = entry
        return entries, parts

    def _outcome(self, duration: float) -> tuple[Header, list[Buffer]]:
        st = self.state
        finished = st.done or st.failure is not None or st.ended_by_call
        ending, warnings = ("ok", []) if finished and not st.malformed else self._ending()
        entries, parts = self._call_entries(ending)
        run_status = self._run_status({i: str(e["status"]) for i, e in entries.items()}, ending)
        error = None
        if st.failure is not None and not st.malformed:
            run_status, error = st.failure["status"], st.failure.get("error")
        offset = sum(len(p) for p in parts)
        parts += [bytes(self.out.kept), bytes(self.err.kept)]
        status = self.wait_status or 0
        header: Header = {
            "op": "outcome",
            "status": run_status,
            "calls": [entries[i] for i in range(len(st.order))],
            "error": error,
            "stdout": [offset, len(self.out.kept)],
            "stderr": [offset + len(self.out.kept), len(self.err.kept)],
            "stdout_total": self.out.total,
            "stderr_total": self.err.total,
            "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            "defined_functions": (st.failure or {}).get("defined_functions") or [],
            "warnings": [*st.hello, *warnings],
            "duration": duration,
        }
        return header, parts

    def _run_status(self, statuses: dict[int, str], ending: str) -> str:
        if not self.state.imported:
            return ending if ending != "ok" else "crashed"
        calls = self.job["calls"]
        for index in self.state.order:
            if statuses[index] in _ENDING_STATUSES:
                extra = calls[index]["group"] in ("probe", "performance")
                return "ok" if extra else statuses[index]
        return "ok" if ending == "ok" else ending

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
