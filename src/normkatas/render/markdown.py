"""GitHub-flavoured Markdown, for pull-request comments and step summaries."""

from __future__ import annotations

from dataclasses import dataclass

from normkatas.render import _view as v
from normkatas.render._diagview import DiagnosisView, diagnosis_view
from normkatas.render.text import case_details
from normkatas.report.result import Result

ICON = {"passed": "✅", "failed": "❌", "error": "⚠️"}


@dataclass(frozen=True)
class CaseRow:
    icon: str
    status: str
    label: str
    points: str
    summary: str
    details: str


def case_rows(result: Result, *, verbose: bool = False) -> list[CaseRow]:
    rows = []
    for case in result.cases:
        details = case_details(result, case, verbose=verbose) if case.status != "passed" else ""
        summary = details.split("\n", 1)[0] if details else ""
        if case.error is not None and case.error.kind in v.SUBMISSION_ERRORS:
            summary = f"not run: {v.SUBMISSION_ERROR_TITLE[case.error.kind]}"
        rows.append(
            CaseRow(
                icon=ICON[case.status],
                status=v.STATUS_LABEL[case.status],
                label=v.case_label(case),
                points=v.case_points(case),
                summary=summary,
                details=details if "\n" in details and not case.hidden else "",
            )
        )
    return rows


def diagnosis_views(result: Result) -> list[DiagnosisView]:
    return [diagnosis_view(d, result.submission) for d in result.diagnoses]


def render_markdown(result: Result, *, verbose: bool = False) -> str:
    from normkatas.render._jinja import render_template

    return render_template(
        "markdown.md.j2",
        result=result,
        icon=ICON[result.status],
        rows=case_rows(result, verbose=verbose),
        diagnoses=diagnosis_views(result),
        errors=v.submission_errors(result),
        captured=v.captured_streams(result),
        verbose=verbose,
    )
