"""The grader's side of one running job: the pipes to and from the student's process.

The fork server forks the worker and waits for it; everything else about the
job happens here, in the grader, where the job's data already is.  A
:class:`JobWatch` writes the job into the worker's job pipe, reads the result
pipe (the hostile channel: :class:`~.protocol.FrameReader` within the job's
byte budget, :class:`~.record.JobRecord` for the order of frames) and the
stdout and stderr pipes (the first ``output_bytes`` of each are kept), and
owns the clock: ``timeout`` from the start for the import and the cases, then
``probe_timeout`` and ``performance_timeout`` as the markers arrive.  It
never blocks: the caller polls :meth:`JobWatch.interest` and feeds the events
back, and asks the fork server to kill the job when :meth:`JobWatch.tick` says
so.  The server's ``exited`` message (the wait status and resource usage) ends
the job; :meth:`JobWatch.outcome` then adds everything up.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass

from normkatas.sandbox import worker
from normkatas.sandbox.codec import job_frame
from normkatas.sandbox.limits import IS_LINUX, MB
from normkatas.sandbox.protocol import (
    Buffer,
    FrameReader,
    Header,
    ProtocolError,
    frame_views,
    write_some,
)
from normkatas.sandbox.record import Capture, JobRecord
from normkatas.sandbox.types import Limits

DRAIN_SECONDS = 0.5
"""After the worker ended, how long its pipes may stay open (a process it left behind
that the server could not kill holds them)."""
PIPE_BYTES = 1 << 20
DRAIN_READS = 4
_F_SETPIPE_SZ = 1031


@dataclass(frozen=True)
class Exit:
    """How the worker ended, as the fork server saw it."""

    status: int
    maxrss: int = 0
    cpu: float = 0.0


def _pipe(size: int | None = None) -> tuple[int, int]:
    r, w = os.pipe()
    if size and IS_LINUX:
        import fcntl

        with contextlib.suppress(OSError):
            fcntl.fcntl(w, _F_SETPIPE_SZ, size)
    return r, w


class _Stream(Capture):
    def feed(self, fd: int) -> bool:
        try:
            data = os.read(fd, PIPE_BYTES)
        except (BlockingIOError, InterruptedError):
            return True
        if not data:
            return False
        self.add(data)
        return True


class JobWatch:
    """One job, from the grader's side of its pipes."""

    def __init__(
        self, header: Header, parts: list[Buffer], now: float,
        then: tuple[Header, list[Buffer]] | None = None,
    ) -> None:
        self.limits = Limits(**header["limits"])
        self.record = JobRecord(header, self.limits)
        self.then = then
        """The next job for the same process (`encode_next`), sent once this one is done."""
        self.first: tuple[Header, list[Buffer]] | None = None
        """This job's outcome, once the next one has started."""
        budget = self.record.stream_budget
        self.cpu_budget = self.limits.seconds
        if then is not None:
            later = Limits(**then[0]["limits"])
            budget += JobRecord(then[0], later).stream_budget
            self.cpu_budget += later.seconds
        self.reader = FrameReader(budget)
        self.out = _Stream(self.limits.output_bytes)
        self.err = _Stream(self.limits.output_bytes)
        self.start = now
        self.deadline = now + self.limits.timeout
        self.timed_out = False
        self.cancelled = False
        self.kill_asked = False
        self.exit: Exit | None = None
        self.drain_until = 0.0
        job_r, self.job_w = _pipe(PIPE_BYTES)
        self.result_r, result_w = _pipe()
        self.out_r, out_w = _pipe(PIPE_BYTES)
        self.err_r, err_w = _pipe(PIPE_BYTES)
        self.theirs = [job_r, result_w, out_w, err_w]
        """The worker's ends, in the order the fork server expects them (closed once
        sent)."""
        for fd in (self.job_w, self.result_r, self.out_r, self.err_r):
            os.set_blocking(fd, False)
        self._unsent = frame_views(job_frame(header, parts))
        self.readers: dict[int, FrameReader | _Stream] = {
            self.result_r: self.reader, self.out_r: self.out, self.err_r: self.err,
        }

    def sent(self) -> None:
        """The worker's ends went to the fork server: ours of them are closed."""
        for fd in self.theirs:
            os.close(fd)
        self.theirs = []
        self.write()

    # -- events ---------------------------------------------------------------------------

    def interest(self) -> tuple[list[int], list[int]]:
        """The fds to wait on: (to read, to write)."""
        write = [self.job_w] if self.job_w >= 0 and self._unsent else []
        return list(self.readers), write

    def write(self) -> None:
        """Write what the job pipe takes of the job; close it once all is written."""
        if self.job_w < 0:
            return
        try:
            while self._unsent:
                write_some(self.job_w, self._unsent)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:  # the worker is gone before reading it all
            self._unsent = []
            self.then = None
        if self.then is None:
            os.close(self.job_w)
            self.job_w = -1

    def readable(self, fd: int) -> None:
        reader = self.readers.get(fd)
        if reader is None:
            return
        try:
            more = reader.feed(fd) if isinstance(reader, _Stream) else self.reader.read_from(fd)
        except ProtocolError as exc:
            self._malformed(str(exc))
            more = False
        self._frames()
        if not more:
            del self.readers[fd]
            os.close(fd)

    def _frames(self) -> None:
        while self.reader.frames and not self.record.malformed:
            header, payload = self.reader.frames.pop(0)
            self.deadline = self.record.take(header, payload, self.deadline)
            if self.then is not None and self.record.done:
                self._seal(time.monotonic())

    def _seal(self, now: float) -> None:
        """This job is done: what the process wrote so far is its; the next job's data
        goes in only now, and everything read from here on is the next job's."""
        for fd in (self.out_r, self.err_r):
            if fd in self.readers:
                self._drain(fd)
        self.first = self.outcome(now)
        assert self.then is not None
        header, parts = self.then
        self.then = None
        self.limits = Limits(**header["limits"])
        self.record = JobRecord(header, self.limits, follows=True)
        self.out = _Stream(self.limits.output_bytes)
        self.err = _Stream(self.limits.output_bytes)
        for fd, stream in ((self.out_r, self.out), (self.err_r, self.err)):
            if fd in self.readers:
                self.readers[fd] = stream
        self.start = now
        self.deadline = now + self.limits.timeout
        self._unsent = frame_views(job_frame(header, parts))
        self.write()

    def _drain(self, fd: int) -> None:
        """What the pipe holds now (a bounded read: a process that keeps writing has the
        rest counted as the next job's)."""
        stream = self.readers[fd]
        assert isinstance(stream, _Stream)
        for _ in range(DRAIN_READS):
            try:
                data = os.read(fd, PIPE_BYTES)
            except (BlockingIOError, InterruptedError):
                return
            if not data:
                del self.readers[fd]
                os.close(fd)
                return
            stream.add(data)

    def _malformed(self, message: str) -> None:
        if not self.record.malformed:
            self.record.malformed = message

    def exited(self, exit: Exit, now: float, drain: float = DRAIN_SECONDS) -> None:
        """The worker ended (``drain``: how long its pipes may stay open from now)."""
        self.exit = exit
        self.drain_until = now + drain

    def cancel(self) -> None:
        self.cancelled = True

    def tick(self, now: float) -> bool:
        """True when the worker must be killed now (and it was not asked before)."""
        if self.exit is not None or self.kill_asked:
            return False
        if now >= self.deadline:
            self.timed_out = not (self.record.done or self.record.failure)
        elif not (self.record.malformed or self.cancelled):
            return False
        self.kill_asked = True
        return True

    def next_time(self) -> float:
        """When :meth:`tick` or the drain needs a look, whatever happens meanwhile."""
        if self.exit is not None:
            return self.drain_until
        return float("inf") if self.kill_asked else self.deadline

    def complete(self, now: float) -> bool:
        """The worker ended and its pipes are drained (or took too long to be)."""
        return self.exit is not None and (not self.readers or now >= self.drain_until)

    def close(self) -> None:
        for fd in [*self.readers, *self.theirs, *([self.job_w] if self.job_w >= 0 else [])]:
            with contextlib.suppress(OSError):
                os.close(fd)
        self.readers = {}
        self.theirs = []
        self.job_w = -1

    # -- the outcome ------------------------------------------------------------------------

    def _ending(self) -> tuple[str, list[str]]:
        """Why the worker stopped before finishing: a call/run status and warnings."""
        early = self.record.early_ending(timed_out=self.timed_out, cancelled=self.cancelled)
        if early is not None:
            return early
        exit = self.exit or Exit(0)
        status = exit.status
        if os.WIFEXITED(status):
            code = os.WEXITSTATUS(status)
            if code == worker.EXIT_MEMORY:
                return "memory-limit", []
            if code == worker.EXIT_INTERNAL:
                return "crashed", ["the sandbox worker failed (see stderr)"]
            return "crashed", []
        sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
        if sig == signal.SIGXCPU or exit.cpu >= self.cpu_budget:
            return "timeout", ["the CPU-time limit was reached"]
        heavy = exit.maxrss >= self.limits.memory_mb * MB // 2
        if heavy and sig in (signal.SIGKILL, signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT):
            return "memory-limit", []
        return "crashed", []

    def outcome(self, now: float) -> tuple[Header, list[Buffer]]:
        """The outcome frame (as `codec.decode_outcome` reads it)."""
        record = self.record
        finished = record.finished and not record.malformed
        ending, warnings = ("ok", []) if finished else self._ending()
        status = (self.exit or Exit(0)).status
        return record.outcome(
            ending, warnings,
            stdout=self.out.outcome, stderr=self.err.outcome,
            exit_code=os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            signal=os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            duration=now - self.start,
        )

    def outcomes(self, now: float) -> list[tuple[Header, list[Buffer]]]:
        """The outcome of each job the process ran: this one's, and the next one's when
        it started (else the next job is still to run, in a fresh process)."""
        if self.first is None:
            return [self.outcome(now)]
        if not self.record.said_hello:
            return [self.first]
        return [self.first, self.outcome(now)]

    def failed_to_start(self, message: str, now: float) -> tuple[Header, list[Buffer]]:
        header, parts = self.outcome(now)
        header["status"] = "crashed"
        header["warnings"] = [f"could not start the student's process: {message}"]
        return header, parts
