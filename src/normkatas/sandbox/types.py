"""What goes into the sandbox and what comes out of it.

The grader hands the sandbox a `Job` (a student file, the name of the
function, and the calls to make) and gets back a `RunOutcome`: plain numpy
arrays and descriptions, never objects of the student's.  No verdict is
computed here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

CallStatus = Literal["ok", "exception", "timeout", "memory-limit", "crashed", "not-run"]
RunStatus = Literal[
    "ok", "syntax-error", "import-error", "missing-function", "timeout", "memory-limit", "crashed"
]


@dataclass(frozen=True)
class Limits:
    timeout: float = 10.0
    """Wall-clock seconds for the whole submission (import and every case call)."""
    probe_timeout: float = 2.0
    """Extra wall-clock seconds for the diagnosis probes after the cases."""
    performance_timeout: float = 0.0
    """Extra wall-clock seconds for the timed ``performance`` calls, after the probes
    (none by default: the grader sets it from the reference's time)."""
    memory_mb: int = 2048
    """Address-space limit of the student process."""
    output_bytes: int = 64 * 1024
    """How much of stdout and of stderr is kept (the rest is read and dropped)."""
    result_bytes: int = 256 * 1024 * 1024
    """Largest array a call may return; a larger one is refused by size."""
    max_processes: int = 256
    """RLIMIT_NPROC: processes of the job's identity (its own uid per slot when the
    grader is root; everything it starts dies with the job anyway)."""
    file_size_mb: int = 64
    total_result_bytes: int = 1024 * 1024 * 1024
    """All the arrays of one run together; past it, arrays are refused by size."""

    @property
    def seconds(self) -> float:
        """The whole wall-clock budget: the cases, then the probes, then the timed calls."""
        return self.timeout + self.probe_timeout + self.performance_timeout


@dataclass(frozen=True)
class Call:
    """One call of the student's function, with keyword arguments.

    Values are numpy arrays or Python scalars (int, float, bool, None, str).
    ``group`` is ``"case"`` for graded cases, ``"probe"`` for the calls the
    diagnosis plans and ``"performance"`` for calls that are timed.  Cases
    run first, then probes (on ``Limits.probe_timeout``), then performance
    calls (on ``Limits.performance_timeout``); what a probe or performance
    call prints is dropped, and its timeout or crash leaves the run "ok".
    ``discard``: the returned value is not sent back (the outcome has the
    status and the duration; ``value`` is None): for calls that are only timed.
    ``repeat``: the call is made up to that many times in a row (fresh inputs
    each time), until a run takes at most ``fast_enough`` seconds, and the
    outcome's ``duration`` is the fastest: a slow timing is confirmed before it
    is believed, so a busy machine's hiccup does not spoil it.
    """

    key: str
    kwargs: Mapping[str, Any]
    group: Literal["case", "probe", "performance"] = "case"
    discard: bool = False
    repeat: int = 1
    fast_enough: float = 0.0
    max_result_bytes: int | None = None
    """The most array bytes this call may return (derived from the reference's outputs);
    larger arrays are refused by size before the grader reads them.  None: only the
    run's limits apply."""
    step: Step | None = None
    """A step of a sequence case: another function, arguments carried from earlier
    calls of the same job, and only chosen results sent back (see `Step`)."""


@dataclass(frozen=True)
class Carried:
    """An argument taken from an earlier call of the same job, in the worker: that
    call's output number ``index`` (``kind == "out"``) or its argument ``name`` as
    the call left it (``"arg"``).  The value never leaves the worker."""

    call: str
    kind: Literal["out", "arg"]
    name: str = ""
    index: int = 0


@dataclass(frozen=True)
class Step:
    """How a call of a sequence case differs from a plain one.

    ``function``: the submission's function to call.  ``carry``: parameters whose
    values the worker takes from earlier calls (which it keeps while the job runs).
    ``outputs``: how many values the function returns.  ``send``: what comes back,
    as a tuple: ``("out", i)`` the output number i, ``("arg", name)`` an argument
    as the call left it (a dict updated in place); opaque values (a cache) are
    not listed and never leave the worker.  ``keys``: the dict keys the grader
    reads (a hidden job's other keys are dropped).
    """

    function: str
    outputs: int
    send: tuple[tuple[str, int | str], ...]
    carry: Mapping[str, Carried] = field(default_factory=dict)
    keys: frozenset[str] = frozenset()


def result_budget(*arrays: Any) -> int:
    """A call's byte budget from the arrays it should return (or takes): four times
    their size, plus 64 KiB (a wrong dtype or shape still comes back to be diagnosed)."""
    total = 0
    for value in arrays:
        if isinstance(value, np.ndarray):
            total += value.nbytes
        elif isinstance(value, (tuple, list)):
            total += result_budget(*value) - 64 * 1024
        elif isinstance(value, dict):
            total += result_budget(*value.values()) - 64 * 1024
    return 4 * total + 64 * 1024


GROUPS = ("case", "probe", "performance")
"""Call groups in the order they run; an unknown group runs with the cases."""


def run_order(groups: Sequence[str]) -> list[int]:
    """Indexes of calls (given by group) in the order the worker makes them."""
    rank = {g: i for i, g in enumerate(GROUPS)}
    return sorted(range(len(groups)), key=lambda i: rank.get(groups[i], 0))


@dataclass(frozen=True)
class Job:
    submission: Path
    entry: str
    calls: Sequence[Call]
    limits: Limits = field(default_factory=Limits)
    hidden: bool = False
    """A hidden job: only arrays and statuses come back (no output, warnings, frames,
    messages, names or timings outside performance calls)."""
    then: Job | None = None
    """A job for the same process once this one is over: its data reaches the process
    only after every result of this job is in, and what the process says from then on
    is the next job's (the hidden cases after the visible ones, in one process).  When
    the process does not finish this job, ``then`` runs in a fresh process instead.
    Its outcome is the outcome's ``then``."""


@dataclass(frozen=True)
class ArrayValue:
    """A numeric array the function returned (scalars are 0-d arrays).

    ``array`` is None when the array was refused (too large, or not
    numeric); ``shape`` and ``dtype`` are still given.
    """

    array: np.ndarray | None
    shape: tuple[int, ...]
    dtype: str
    refused: str = ""


@dataclass(frozen=True)
class NoneValue:
    pass


@dataclass(frozen=True)
class SequenceValue:
    kind: Literal["tuple", "list"]
    items: tuple[Value, ...]


@dataclass(frozen=True)
class DictValue:
    """A dict with text keys (a ``bn_param`` as a call left it)."""

    items: tuple[tuple[str, Value], ...]

    def get(self, key: str) -> Value | None:
        for k, v in self.items:
            if k == key:
                return v
        return None


@dataclass(frozen=True)
class OtherValue:
    """Anything else: its type name and a truncated repr, as text."""

    type_name: str
    text: str = ""


Value = ArrayValue | NoneValue | SequenceValue | DictValue | OtherValue


@dataclass(frozen=True)
class TraceFrame:
    file: str
    line: int
    function: str
    source: str = ""


@dataclass(frozen=True)
class ExceptionInfo:
    type: str
    message: str
    frames: tuple[TraceFrame, ...] = ()
    """Frames inside the student's file only."""
    line: int | None = None
    column: int | None = None
    source: str = ""
    """For syntax errors: the offending line."""


@dataclass(frozen=True)
class CallOutcome:
    key: str
    status: CallStatus
    value: Value | None = None
    exception: ExceptionInfo | None = None
    mutated: tuple[str, ...] = ()
    """Names of array arguments whose contents the call changed."""
    duration: float = 0.0


@dataclass(frozen=True)
class RunOutcome:
    status: RunStatus
    calls: tuple[CallOutcome, ...] = ()
    error: ExceptionInfo | None = None
    stdout: bytes = b""
    stderr: bytes = b""
    stdout_total: int = 0
    stderr_total: int = 0
    exit_code: int | None = None
    signal: int | None = None
    defined_functions: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    duration: float = 0.0
    then: RunOutcome | None = None
    """The outcome of the job's ``then``."""

    def call(self, key: str) -> CallOutcome | None:
        for c in self.calls:
            if c.key == key:
                return c
        return None
