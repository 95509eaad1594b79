"""What `grade check` found about a kata: data, rendered by `normkatas.render.check`.

Every finding carries the line of the kata file it is about (``line``; the
file is the report's ``file``), so that a renderer can print
``katas/x.yaml:42: ...`` like a compiler.
"""

from __future__ import annotations

from typing import Literal

import msgspec


class ReferenceProblem(msgspec.Struct, kw_only=True, frozen=True):
    case: str
    message: str
    line: int | None = None


class Reproduction(msgspec.Struct, kw_only=True, frozen=True):
    """One change that reproduces written values the reference does not give.

    ``argument``: the case's argument ``name`` set to ``value`` (it is ``was``);
    ``rounded``: the intermediate ``name`` (``x_hat``) rounded to ``decimals``
    decimals before the rest of the formula; ``mistake``: the catalogue mistake
    ``name`` (a formula variant such as the unbiased variance).
    """

    kind: Literal["argument", "rounded", "mistake"]
    name: str
    """The argument, the intermediate, or the catalogue mistake's id."""
    value: float | None = None
    was: float | None = None
    low: float | None = None
    high: float | None = None
    """Other round values from ``low`` to ``high`` reproduce them too."""
    decimals: int | None = None
    title: str = ""
    """For a mistake: its headline."""


class ExpectedMismatch(msgspec.Struct, kw_only=True, frozen=True):
    """Written values of one output of one case that grading would not accept.

    ``problem``: ``values`` (``mismatched`` of ``total`` elements outside the
    grading tolerance; ``index`` is the worst one), ``shape`` (the written
    array has another shape) or ``unknown-output`` (no output has this name).
    """

    case: str
    output: str
    problem: Literal["values", "shape", "unknown-output"] = "values"
    line: int | None = None
    rtol: float = 0.0
    atol: float = 0.0
    expected_atol: float | None = None
    """The case's own, openly written tolerance for its written values."""
    index: list[int] = msgspec.field(default_factory=list)
    written: float | None = None
    computed: float | None = None
    mismatched: int = 0
    total: int = 0
    max_abs_diff: float = 0.0
    decimals: int = 0
    """The most decimals the values are written with."""
    printed_rounding: bool = False
    """Rounding the reference to ``decimals`` decimals explains every difference."""
    written_shape: list[int] | None = None
    reference_shape: list[int] | None = None
    known: list[str] = msgspec.field(default_factory=list)
    reproduced_by: list[Reproduction] = msgspec.field(default_factory=list)


class UncaughtMistake(msgspec.Struct, kw_only=True, frozen=True):
    id: str
    title: str
    """The entry's headline, as a student would read it (filled from the kata;
    wording that needs a submission is replaced by a generic phrase)."""


class ProbeProblem(msgspec.Struct, kw_only=True, frozen=True):
    message: str
    case: str | None = None
    line: int | None = None


class CheckReport(msgspec.Struct, kw_only=True, frozen=True):
    kata: str
    file: str | None = None
    reference_problems: list[ReferenceProblem] = msgspec.field(default_factory=list)
    expected_mismatches: list[ExpectedMismatch] = msgspec.field(default_factory=list)
    expected_notes: list[ExpectedMismatch] = msgspec.field(default_factory=list)
    """Written values outside the grading tolerance but inside the case's open
    ``expected_atol``: accepted, and shown."""
    uncaught: list[UncaughtMistake] = msgspec.field(default_factory=list)
    uncaught_line: int | None = None
    """The line of the ``cases:`` key (where a case that catches them goes)."""
    caught: list[str] = msgspec.field(default_factory=list)
    """Ids of the mistakes some case separates."""
    probe: ProbeProblem | None = None
    formula_problems: list[ReferenceProblem] = msgspec.field(default_factory=list)
    """Cases where the family's right formula disagrees with the reference
    (the spec's structure does not describe the reference)."""
    diagnosis: bool = True
    """False when the kata has no ``structure:`` section: no mistake is diagnosed
    or checked."""

    @property
    def ok(self) -> bool:
        return not (
            self.reference_problems or self.expected_mismatches or self.uncaught
            or self.probe or self.formula_problems
        )
