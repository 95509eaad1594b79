"""A diagnosis as display strings, for the Markdown and HTML templates."""

from __future__ import annotations

from dataclasses import dataclass, field

from normkatas.render import _text_blocks as b
from normkatas.render import _view as v
from normkatas.render._sanitize import clean, clean_line
from normkatas.report.result import Counterexample, Diagnosis


@dataclass(frozen=True)
class EvidenceView:
    label: str
    yours: str
    expected: str
    note: str = ""


@dataclass(frozen=True)
class DiagnosisView:
    level: str
    id: str
    headline: str
    location: str
    """``file:line:col``, or the file alone when the diagnosis has no source line."""
    snippet: str
    """The quoted line with carets under the culprit (plain text), or ``""``."""
    notes: list[str] = field(default_factory=list)
    axes: str = ""
    evidence: list[EvidenceView] = field(default_factory=list)
    help: str = ""
    help_code: str = ""
    counterexample: Counterexample | None = None
    cases: list[str] = field(default_factory=list)


def diagnosis_view(d: Diagnosis, file: str) -> DiagnosisView:
    file = clean_line(file)
    location, snippet = file, ""
    if d.source is not None:
        src = d.source
        location = b.location(file, src.line, src.column, src.cell)
        lines, _ = b.snippet(
            b.Style(False), file=file, line=src.line, text=src.text, column=src.column,
            end_column=src.end_column,
        )
        snippet = "\n".join(lines[2:])  # without the arrow and the empty gutter line
    axes = []
    if d.reduced_axes is not None:
        axes.append(f"your code reduces over axes {v.axes_label(d.reduced_axes, d.layout)}")
    if d.expected_axes is not None:
        axes.append(f"the kata asks for {v.axes_label(d.expected_axes, d.layout)}")
    return DiagnosisView(
        level=v.level(d),
        id=clean_line(d.id),
        headline=v.headline(d),
        location=location,
        snippet=snippet,
        notes=[clean(n) for n in (d.notes or ([d.message] if d.message else []))],
        axes="; ".join(axes),
        evidence=[
            EvidenceView(clean_line(e.label), v.fmt_values(e.yours), v.fmt_values(e.expected),
                         clean_line(e.note))
            for e in d.evidence
        ],
        help=clean(d.help),
        help_code=clean(d.help_code or ""),
        counterexample=d.counterexample,
        cases=[clean_line(c) for c in d.cases],
    )
