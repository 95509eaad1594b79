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


@dataclass(frozen=True)
class DetailGroup:
    """Failing cases whose details say the same thing: shown once, under one summary."""

    labels: list[str]
    summary: str
    lines: list[str]
    """With several cases, one line per case; empty for one."""
    details: str


def detail_groups(result: Result, rows: list[CaseRow]) -> list[DetailGroup]:
    groups: dict[tuple[object, ...], list[int]] = {}
    for i, (case, row) in enumerate(zip(result.cases, rows, strict=True)):
        if row.details:
            groups.setdefault(v.same_failure_key(case), []).append(i)
    out = []
    for members in groups.values():
        first = rows[members[0]]
        many = len(members) > 1
        out.append(DetailGroup(
            labels=[rows[i].label for i in members],
            summary=f"fail the same way as {first.label}" if many else first.summary,
            lines=[f"{rows[i].label}: {v.case_summary(result.cases[i])}" for i in members]
            if many else [],
            details=first.details,
        ))
    return out


def diagnosis_views(result: Result) -> list[DiagnosisView]:
    return [diagnosis_view(d, result.submission) for d in result.diagnoses]


def render_markdown(result: Result, *, verbose: bool = False) -> str:
    from normkatas.render._jinja import render_template

    rows = case_rows(result, verbose=verbose)
    return render_template(
        "markdown.md.j2",
        result=result,
        icon=ICON[result.status],
        rows=rows,
        with_details=any(row.summary for row in rows),
        details=detail_groups(result, rows),
        diagnoses=diagnosis_views(result),
        errors=v.submission_errors(result),
        captured=v.captured_streams(result),
        verbose=verbose,
    )
