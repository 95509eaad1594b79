"""What a job's student process has said, frame by frame, and the outcome it adds up to.

Both backends read the same hostile channel (the fork servers' jobs, watched from
the grader by :mod:`.watch`, and the process backend, :mod:`.process`): one
``hello`` first (``resumed`` for a job that follows another in the same process),
then ``imported`` or ``import-failed``, one ``call`` frame per call in
run order (each within its byte budget), the ``probes`` and ``performance``
markers that move the clock, and ``done``.  A frame out of place makes the
record ``malformed``; the backend then kills the process.  :meth:`JobRecord.outcome`
builds the outcome frame the grader decodes (``codec.decode_outcome``); how the
process ended (the ``ending``) is the backend's to say.
"""

from __future__ import annotations

import time

from normkatas.sandbox.protocol import Buffer, Header
from normkatas.sandbox.types import Limits, run_order

WORKER_STATUSES = frozenset({"ok", "exception", "memory-limit", "crashed", "not-run"})
"""("not-run": a step of a sequence case whose earlier call did not finish.)"""
IMPORT_STATUSES = frozenset(
    {"syntax-error", "import-error", "missing-function", "memory-limit", "crashed"}
)
ENDING_STATUSES = ("timeout", "crashed", "memory-limit")
DONE_GRACE = 1.0
"""Seconds the process has, after ``done``, to exit on its own."""


class Capture:
    """One output stream of the student's process: the first ``limit`` bytes kept, all
    of it counted."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept = bytearray()
        self.total = 0

    def add(self, data: bytes) -> None:
        self.total += len(data)
        room = self.limit - len(self.kept)
        if room > 0:
            self.kept += data[:room]

    @property
    def outcome(self) -> tuple[bytes, int]:
        """What `JobRecord.outcome` takes: the bytes kept, and how many there were."""
        return bytes(self.kept), self.total


class JobRecord:
    """The frames of one job, checked against the channel's rules as they come."""

    def __init__(self, job: Header, limits: Limits, *, follows: bool = False) -> None:
        """``follows``: the job comes after another one in the same process (a ``then``):
        it starts with ``resumed`` instead of ``hello`` and an import."""
        self.job = job
        self.limits = limits
        self.follows = follows
        self.order = run_order([c["group"] for c in job["calls"]])
        self.frames_seen = 0
        self.hello: list[str] = []
        self.said_hello = False
        self.imported = False
        self.done = False
        self.failure: Header | None = None
        self.calls: dict[int, tuple[Header, bytearray]] = {}
        self.ended_by_call = False
        self.malformed = ""

    @property
    def stream_budget(self) -> int:
        """The most result bytes the whole job may send: the sum of its calls' budgets when
        each has one, and never more than the run's limit."""
        budgets = [c.get("max_bytes") for c in self.job["calls"]]
        total = self.limits.total_result_bytes
        if budgets and all(isinstance(b, int) and b >= 0 for b in budgets):
            total = min(total, sum(budgets))
        return total

    @property
    def finished(self) -> bool:
        """Did the process say all it had to (done, an import failure, or a fatal call)?"""
        return self.done or self.failure is not None or self.ended_by_call

    def take(self, header: Header, payload: bytearray, deadline: float, *,
             clock_from_hello: bool = False) -> float:
        """One frame; returns the deadline, moved by the markers (and by the hello when the
        clock starts there).  A frame out of place sets ``malformed``."""
        if self.malformed:
            return deadline
        kind = header.get("type")
        self.frames_seen += 1
        if kind == "resumed" and self.frames_seen == 1 and self.follows:
            self.said_hello = self.imported = True
            return deadline
        if self.follows and not self.imported:
            self.malformed = f"unexpected {str(kind)[:40]!r} message"
            return deadline
        if kind == "hello" and self.frames_seen == 1 and isinstance(header.get("warnings"), list):
            self.hello = [str(w)[:2000] for w in header["warnings"][:20]]
            self.said_hello = True
            return time.monotonic() + self.limits.timeout if clock_from_hello else deadline
        if kind == "imported" and self.said_hello and not self.imported:
            self.imported = True
        elif kind == "import-failed" and self.said_hello and not self.imported \
                and self.failure is None:
            if header.get("status") not in IMPORT_STATUSES:
                self.malformed = "bad import status"
            self.failure = header
        elif kind == "call" and self.imported and self._call(header, payload):
            pass
        elif kind == "probes" and self.imported:
            return time.monotonic() + self.limits.probe_timeout
        elif kind == "performance" and self.imported:
            return time.monotonic() + self.limits.performance_timeout
        elif kind == "done" and self.imported and len(self.calls) == len(self.order):
            self.done = True
            return min(deadline, time.monotonic() + DONE_GRACE)
        else:
            self.malformed = f"unexpected {str(kind)[:40]!r} message"
        return deadline

    def _call(self, header: Header, payload: bytearray) -> bool:
        received = len(self.calls)
        if self.ended_by_call or received >= len(self.order):
            return False
        index = self.order[received]
        if header.get("index") != index or header.get("status") not in WORKER_STATUSES:
            return False
        allowed = self.job["calls"][index].get("max_bytes")
        if isinstance(allowed, int) and len(payload) > allowed:
            return False
        self.calls[index] = (header, payload)
        self.ended_by_call = header["status"] in ("crashed", "memory-limit")
        return True

    # -- the outcome ---------------------------------------------------------------------

    def outcome(
        self, ending: str, warnings: list[str], *, stdout: tuple[bytes, int],
        stderr: tuple[bytes, int], exit_code: int | None, signal: int | None, duration: float,
    ) -> tuple[Header, list[Buffer]]:
        """The outcome frame: ``ending`` is how the process stopped ("ok" when it finished),
        ``stdout``/``stderr`` what was kept of each and how much there was in all."""
        parts: list[Buffer] = []
        offset = 0
        entries: dict[int, Header] = {}
        blamed = not self.imported or self.failure is not None or self.ended_by_call
        for index in self.order:
            entry: Header = {"status": "not-run", "base": 0, "size": 0}
            if index in self.calls:
                frame, payload = self.calls[index]
                keys = ("status", "value", "exception", "mutated", "duration")
                entry = {k: frame.get(k) for k in keys}
                entry.update(base=offset, size=len(payload))
                parts.append(payload)
                offset += len(payload)
            elif not blamed and ending != "ok":
                entry["status"], blamed = ending, True
            entries[index] = entry
        status = self._run_status({i: str(e["status"]) for i, e in entries.items()}, ending)
        error = None
        if self.failure is not None and not self.malformed:
            status, error = self.failure["status"], self.failure.get("error")
        (out, out_total), (err, err_total) = stdout, stderr
        parts += [out, err]
        header: Header = {
            "op": "outcome",
            "status": status,
            "calls": [entries[i] for i in range(len(self.order))],
            "error": error,
            "stdout": [offset, len(out)],
            "stderr": [offset + len(out), len(err)],
            "stdout_total": out_total,
            "stderr_total": err_total,
            "exit_code": exit_code,
            "signal": signal,
            "defined_functions": (self.failure or {}).get("defined_functions") or [],
            "warnings": [*self.hello, *warnings],
            "duration": duration,
        }
        return header, parts

    def early_ending(self, *, timed_out: bool, cancelled: bool) -> tuple[str, list[str]] | None:
        """How a run that did not finish ended, when how its process ended does not
        matter: a malformed channel, the deadline, a cancel (else None)."""
        if self.malformed:
            return "crashed", [f"malformed message from the student's process: {self.malformed}"]
        if timed_out:
            return "timeout", []
        if cancelled:
            return "crashed", ["the run was cancelled"]
        return None

    def _run_status(self, statuses: dict[int, str], ending: str) -> str:
        if not self.imported:
            return ending if ending != "ok" else "crashed"
        for index in self.order:
            if statuses[index] in ENDING_STATUSES:
                extra = self.job["calls"][index]["group"] in ("probe", "performance")
                return "ok" if extra else statuses[index]
        return "ok" if ending == "ok" else ending
