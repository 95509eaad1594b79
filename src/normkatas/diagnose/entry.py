"""What a catalogue entry is, and what recognising it produces.

An entry is data: an id, a category, its text (templates filled from facts)
and ONE way of being recognised:

- ``detect``: a function of the run (execution and interface mistakes);
- ``variant``: a stage override of the kata's formula family
  (``ddof`` = ``1`` is the unbiased variance), found by formula fitting;
- ``axes``: the grouping of a normalization (LayerNorm reduces over all but
  the batch axis), found by perturbation probes.

The engine runs entries without knowing any of them by name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from normkatas.diagnose.layout import Grouping, Layout
from normkatas.report.result import Category, Confidence, Counterexample, Evidence, SourceLine
from normkatas.spec.model import Kata

if TYPE_CHECKING:
    from normkatas.diagnose.context import Context


@dataclass(frozen=True)
class Text:
    """Templates (``str.format`` with the finding's facts)."""

    title: str
    notes: tuple[str, ...] = ()
    help: str = ""
    help_code: str | None = None


@dataclass(frozen=True)
class Variant:
    """A formula stage override: ``values`` empty means any non-default value; a value
    ending in ``*`` claims every value with that prefix (``terms:*``: the fitted ones)."""

    stage: str
    values: tuple[str, ...] = ()

    def claims(self, stage: str, value: str, default: str) -> bool:
        if stage != self.stage or value == default:
            return False
        return not self.values or any(
            value == v or (v.endswith("*") and value.startswith(v[:-1])) for v in self.values)


@dataclass(frozen=True)
class EvidenceSpec:
    """One evidence row: a builder in `normkatas.diagnose.evidence` and its label.

    ``grouping`` is ``expected`` (the kata's statistics groups), ``observed``
    (the student's), ``affine`` (one group per channel) or ``telling`` (the
    student's, or the kata's when those show no difference); ``output`` an
    output role (``y``, ``dx``).
    """

    kind: str
    label: str
    note: str = ""
    output: str = "y"
    grouping: str = "expected"


@dataclass(frozen=True)
class Entry:
    id: str
    category: Category
    text: Text
    forms: Mapping[str, Text] = field(default_factory=dict)
    """Alternative texts, picked by a finding's ``form``."""
    families: frozenset[str] | None = None
    """Formula families the entry applies to (None: every kata)."""
    applies: Callable[[Kata], bool] | None = None
    detect: Callable[[Context], list[Finding]] | None = None
    variant: Variant | None = None
    axes: Callable[[Layout], Grouping | None] | None = None
    """For axis entries: the grouping this normalization uses (``groups=0``: any
    number of channel groups; no axes at all: the catch-all)."""
    name: str = ""
    """For axis entries: the layer's name (``LayerNorm``)."""
    source: tuple[str, ...] = ()
    """Regexes (``{fact}`` placeholders allowed) finding the student's line."""
    evidence: tuple[EvidenceSpec, ...] = ()
    explains: str | None = None
    """Regex of exception messages this mistake accounts for."""
    yields_to: frozenset[str] = frozenset()
    """Categories whose findings make this one redundant."""
    supersedes: frozenset[str] = frozenset()
    """Ids of entries this one's finding accounts for (a shape a wrong sum explains):
    found together, only this one is reported."""

    def text_for(self, form: str) -> Text:
        return self.forms.get(form, self.text)

    def applies_to(self, kata: Kata) -> bool:
        if self.families is not None and (
            kata.structure is None or kata.structure.family not in self.families
        ):
            return False
        return self.applies(kata) if self.applies is not None else True


@dataclass
class Finding:
    """A recognised mistake before its text is written."""

    entry: Entry
    facts: dict[str, Any] = field(default_factory=dict)
    form: str = ""
    cases: list[str] = field(default_factory=list)
    confidence: Confidence = "certain"
    reduced_axes: list[int] | None = None
    expected_axes: list[int] | None = None
    layout: str | None = None
    source: SourceLine | None = None
    messages: tuple[str, ...] = ()
    """Exception messages behind this finding (see `Entry.explains`)."""
    deviation: tuple[str, str] | None = None
    grouping: Grouping | None = None
    evidence: list[Evidence] = field(default_factory=list)
    counterexample: Counterexample | None = None
