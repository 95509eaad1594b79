"""A self-contained HTML page: inline CSS, no scripts, no external assets.

The same content as the terminal report, plus, for failing visible cases
whose arrays the caller passes, heatmaps of the expected output, the
student's output and their difference (inline SVG).

The Result model carries no full arrays, so they come as an optional extra:

    render(result, "html", arrays={"random-small": (yours, reference)})
    render(result, "html", arrays={"random-small": {"y": (y, y_ref), "mean": (m, m_ref)}})

Arrays for hidden or passing cases are ignored: a hidden case shows no data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from normkatas.render import _heatmap
from normkatas.render import _view as v
from normkatas.render.markdown import case_rows, diagnosis_views
from normkatas.report.result import Result

ArrayPair = tuple[np.ndarray, np.ndarray]
"""``(yours, reference)`` for one output."""
Heatmaps = Mapping[str, ArrayPair | Mapping[str, ArrayPair]]
"""``{case name: (yours, reference)}``, or ``{case name: {output name: (yours, reference)}}``."""


@dataclass(frozen=True)
class Figure:
    case: str
    output: str
    panels: list[_heatmap.Panel]


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


def render_html(
    result: Result, *, verbose: bool = False, arrays: Heatmaps | None = None
) -> str:
    from normkatas.render._jinja import render_template

    return render_template(
        "report.html.j2",
        result=result,
        rows=case_rows(result, verbose=verbose),
        diagnoses=diagnosis_views(result),
        errors=v.submission_errors(result),
        captured=v.captured_streams(result),
        repeats=v.first_with_same_error(result),
        figures=figures(result, arrays),
        verbose=verbose,
        nan_colour=_heatmap.NAN_COLOUR,
    )
