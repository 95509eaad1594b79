"""The result model: the one thing every renderer sees.

Everything a report shows is here as data.  The engine fills it; renderers
(`normkatas.render`) lay it out and never compute a verdict.  `version` is the
version of the JSON contract (`grade --format json`); fields are only ever
added to it, never renamed or removed, within a major version.
"""

from __future__ import annotations

from typing import Literal

import msgspec

CONTRACT_VERSION = "1.0"

Status = Literal["passed", "failed", "error"]
Confidence = Literal["certain", "likely"]
Category = Literal[
    "execution", "interface", "structure", "statistics", "affine", "output", "advice"
]


class _Model(msgspec.Struct, kw_only=True):
    pass


class Row(_Model, kw_only=True):
    """One mismatched element: where, what the student gave, what was expected."""

    index: list[int]
    yours: float | None
    reference: float


class Mismatch(_Model, kw_only=True):
    """How one output of one case differs from the reference."""

    output: str
    mismatched: int
    total: int
    max_abs_diff: float
    max_rel_diff: float
    rtol: float
    atol: float
    shape_yours: list[int] | None = None
    shape_reference: list[int] = msgspec.field(default_factory=list)
    dtype_yours: str | None = None
    non_finite: int = 0
    rows: list[Row] = msgspec.field(default_factory=list)
    """The first few mismatched elements; empty for hidden cases."""
    step: int | None = None
    """In a sequence case: the call (counted from 1) whose result this is."""


class Frame(_Model, kw_only=True):
    file: str
    line: int
    function: str
    source: str = ""
    cell: int | None = None
    """For a notebook: the cell (counted from 1 at the top); ``line`` is then the cell's line."""


class ErrorInfo(_Model, kw_only=True):
    """Why a case (or the whole submission) could not be evaluated."""

    kind: Literal[
        "exception",
        "syntax-error",
        "import-error",
        "missing-function",
        "timeout",
        "memory-limit",
        "crashed",
        "not-run",
        "invalid-output",
    ]
    type: str = ""
    message: str = ""
    frames: list[Frame] = msgspec.field(default_factory=list)
    line: int | None = None
    column: int | None = None
    source: str = ""
    cell: int | None = None
    """For a notebook: the cell of ``line`` (see `Frame.cell`)."""


class CaseResult(_Model, kw_only=True):
    name: str
    status: Status
    points: float
    max_points: float
    hidden: bool = False
    example: bool = False
    note: str = ""
    inputs: dict[str, str] = msgspec.field(default_factory=dict)
    """A short description of each argument (``float64 (2, 2, 2, 2)``)."""
    mismatches: list[Mismatch] = msgspec.field(default_factory=list)
    error: ErrorInfo | None = None
    mutated: list[str] = msgspec.field(default_factory=list)
    duration_ms: float = 0.0
    departure: Departure | None = None
    """A failing sequence case: the first call whose results leave the reference's."""


class Departure(_Model, kw_only=True):
    """The first call of a sequence case that departs from the reference: every
    earlier call agreed within tolerance, so this one had the reference's inputs."""

    step: int
    """Counted from 1."""
    steps: int
    function: str
    outputs: list[str] = msgspec.field(default_factory=list)
    """The results that differ there; empty when the call itself failed."""


class Evidence(_Model, kw_only=True):
    """A fact that betrays the mistake, e.g. per-channel means of the output."""

    label: str
    yours: list[float | None] = msgspec.field(default_factory=list)
    """Values; None stands for NaN or infinity (JSON has no such numbers)."""
    expected: list[float | None] = msgspec.field(default_factory=list)
    note: str = ""


class Counterexample(_Model, kw_only=True):
    """The smallest input found that separates the submission from the reference."""

    call: str
    yours: str
    reference: str
    shape: list[int] = msgspec.field(default_factory=list)


class SourceLine(_Model, kw_only=True):
    """The student's own line the diagnosis points at."""

    line: int
    text: str
    column: int | None = None
    end_column: int | None = None
    cell: int | None = None
    """For a notebook: the cell of ``line`` (see `Frame.cell`)."""


class Diagnosis(_Model, kw_only=True):
    id: str
    """Stable id from the catalogue (``layer-norm``, ``unbiased-variance``...)."""
    title: str
    """A headline that stands alone: lowercase, no trailing period."""
    message: str
    """The explanation in a sentence or two (the notes, joined)."""
    category: Category
    confidence: Confidence = "certain"
    notes: list[str] = msgspec.field(default_factory=list)
    help: str = ""
    help_code: str | None = None
    reduced_axes: list[int] | None = None
    expected_axes: list[int] | None = None
    layout: str | None = None
    groups: int | None = None
    """With `reduced_axes`: how many blocks of consecutive channels the student's statistics
    were taken within (GroupNorm), when the channels were cut into groups."""
    expected_groups: int | None = None
    """The same for the kata's statistics (`expected_axes`)."""
    cases: list[str] = msgspec.field(default_factory=list)
    evidence: list[Evidence] = msgspec.field(default_factory=list)
    counterexample: Counterexample | None = None
    source: SourceLine | None = None


class Captured(_Model, kw_only=True):
    """What the submission printed, truncated to a cap."""

    text: str = ""
    truncated: bool = False
    total_bytes: int = 0


class Performance(_Model, kw_only=True):
    """The student's time on the kata's performance case against the reference's."""

    case: str
    yours_ms: float
    """The call's duration; with ``timed_out``, how long it ran before it was stopped."""
    reference_ms: float
    ratio: float
    """yours_ms / reference_ms (a lower bound with ``timed_out``)."""
    slow: bool
    """The ratio is over the kata's ``performance.slower_than``."""
    affects_score: bool = False
    timed_out: bool = False
    """The call was stopped: it was already far slower than the reference."""


class Result(_Model, kw_only=True):
    version: str = CONTRACT_VERSION
    grader_version: str = ""
    kata: str
    kata_title: str = ""
    submission: str
    status: Status
    score: float
    max_score: float
    cases: list[CaseResult] = msgspec.field(default_factory=list)
    diagnoses: list[Diagnosis] = msgspec.field(default_factory=list)
    stdout: Captured = msgspec.field(default_factory=Captured)
    stderr: Captured = msgspec.field(default_factory=Captured)
    performance: Performance | None = None
    warnings: list[str] = msgspec.field(default_factory=list)
    duration_ms: float = 0.0
    fingerprint: dict[str, str] = msgspec.field(default_factory=dict)
    """Class runs only: ``{case name: digest of the returned values}``, exact to the bit
    (see `normkatas.report.insights`: a similarity hint for a person, never a verdict)."""

    @property
    def passed(self) -> bool:
        return self.status == "passed"


def to_builtins(result: Result) -> dict[str, object]:
    """The JSON-ready form of a result (the `--format json` contract)."""
    data = msgspec.to_builtins(result)
    assert isinstance(data, dict)
    return data


def result_from_json(data: bytes | str) -> Result:
    return msgspec.json.decode(data, type=Result)
