"""What `grade check` found about a kata: data, rendered by `normkatas.render.check`."""

from __future__ import annotations

import msgspec


class ReferenceProblem(msgspec.Struct, kw_only=True, frozen=True):
    case: str
    message: str


class ExpectedMismatch(msgspec.Struct, kw_only=True, frozen=True):
    case: str
    output: str
    index: list[int]
    written: float | None
    computed: float | None
    atol: float
    message: str = ""


class UncaughtMistake(msgspec.Struct, kw_only=True, frozen=True):
    id: str
    title: str
    """The entry's headline, as a student would read it (filled from the kata;
    a ``{placeholder}`` stays where the wording needs a submission)."""


class ProbeProblem(msgspec.Struct, kw_only=True, frozen=True):
    message: str
    case: str | None = None


class CheckReport(msgspec.Struct, kw_only=True, frozen=True):
    kata: str
    reference_problems: list[ReferenceProblem] = msgspec.field(default_factory=list)
    expected_mismatches: list[ExpectedMismatch] = msgspec.field(default_factory=list)
    uncaught: list[UncaughtMistake] = msgspec.field(default_factory=list)
    caught: list[str] = msgspec.field(default_factory=list)
    """Ids of the mistakes some case separates."""
    probe: ProbeProblem | None = None
    formula_problems: list[ReferenceProblem] = msgspec.field(default_factory=list)
    """Cases where the family's right formula disagrees with the reference
    (the spec's structure does not describe the reference)."""

    @property
    def ok(self) -> bool:
        return not (
            self.reference_problems or self.expected_mismatches or self.uncaught
            or self.probe or self.formula_problems
        )
