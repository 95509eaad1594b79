"""A self-contained HTML page: inline CSS, no scripts, no external assets.

The answer comes first: the score and verdict, then each diagnosis (its
headline, the student's line, the fix, the smallest input that shows it, and
where it has one a picture of which elements share a statistic, theirs
against the kata's), then the case table, then the details of the failing
cases folded in ``<details>``, cases that fail the same way shown once.

For failing visible cases whose arrays the caller passes, the details show
heatmaps of the expected output, the student's output and their difference
(inline SVG).  The Result model carries no full arrays, so they come as an
optional extra:

    render(result, "html", arrays={"random-small": (yours, reference)})
    render(result, "html", arrays={"random-small": {"y": (y, y_ref), "mean": (m, m_ref)}})

Arrays for hidden or passing cases are ignored: a hidden case shows no data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from normkatas.render import _groups_svg, _heatmap
from normkatas.render import _view as v
from normkatas.render._diagview import DiagnosisView
from normkatas.render.markdown import case_rows, diagnosis_views
from normkatas.report.result import CaseResult, Result

ArrayPair = tuple[np.ndarray, np.ndarray]
"""``(yours, reference)`` for one output."""
Heatmaps = Mapping[str, ArrayPair | Mapping[str, ArrayPair]]
"""``{case name: (yours, reference)}``, or ``{case name: {output name: (yours, reference)}}``."""


@dataclass(frozen=True)
class Figure:
    case: str
    output: str
    panels: list[_heatmap.Panel]


@dataclass(frozen=True)
class DiagnosisBlock:
    view: DiagnosisView
    pictures: list[_groups_svg.GroupPicture]


@dataclass
class CaseGroup:
    """Failing visible cases whose details say the same thing, shown once."""

    first: CaseResult
    others: list[CaseResult] = field(default_factory=list)

    @property
    def cases(self) -> list[CaseResult]:
        return [self.first, *self.others]


def figures(result: Result, arrays: Heatmaps | None) -> dict[str, list[Figure]]:
    """Heatmap figures per case name, for visible cases that did not pass."""
    if not arrays:
        return {}
    out: dict[str, list[Figure]] = {}
    for case in result.cases:
        if case.hidden or case.status == "passed" or case.name not in arrays:
            continue
        entry = arrays[case.name]
        if isinstance(entry, Mapping):
            pairs = list(entry.items())
        else:
            name = case.mismatches[0].output if case.mismatches else "output"
            pairs = [(name, entry)]
        found = [Figure(case.name, output, _heatmap.panels(y, r)) for output, (y, r) in pairs]
        found = [f for f in found if f.panels]
        if found:
            out[case.name] = found
    return out


def _shows_details(case: CaseResult, figs: Mapping[str, list[Figure]]) -> bool:
    if case.status == "passed" or case.hidden:
        return False
    if case.error is not None and case.error.kind in v.SUBMISSION_ERRORS:
        return False
    return bool(case.mismatches or case.error is not None or case.name in figs)


def case_groups(result: Result, figs: Mapping[str, list[Figure]]) -> list[CaseGroup]:
    groups: dict[tuple[object, ...], CaseGroup] = {}
    for case in result.cases:
        if not _shows_details(case, figs):
            continue
        key = v.same_failure_key(case)
        if key in groups:
            groups[key].others.append(case)
        else:
            groups[key] = CaseGroup(case)
    return list(groups.values())


def render_html(
    result: Result, *, verbose: bool = False, arrays: Heatmaps | None = None
) -> str:
    from normkatas.render._jinja import render_template

    figs = figures(result, arrays)
    rows = case_rows(result, verbose=verbose)
    blocks = [
        DiagnosisBlock(view, _groups_svg.pictures(d))
        for view, d in zip(diagnosis_views(result), result.diagnoses, strict=True)
    ]
    return render_template(
        "report.html.j2",
        result=result,
        rows=rows,
        with_details=any(row.summary for row in rows),
        diagnoses=blocks,
        errors=v.submission_errors(result),
        captured=v.captured_streams(result),
        groups=case_groups(result, figs),
        case_summary=v.case_summary,
        figures=figs,
        verbose=verbose,
        nan_colour=_heatmap.NAN_COLOUR,
    )
