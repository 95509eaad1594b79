"""Views of a class run: the text summary, the CSV gradebook, JSON and the HTML class report.

Like every renderer these only lay out what `normkatas.report.class_summary` and the
students' `Result`s say; student text (names, file names, messages) goes
through `clean`, and the HTML template autoescapes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass

import msgspec

from normkatas.render import _view as v
from normkatas.render._sanitize import clean_line
from normkatas.render._text_blocks import STATUS_COLOUR, Style
from normkatas.report.class_summary import (
    Bin,
    CaseStat,
    ClassSummary,
    KataSummary,
    MistakeStat,
    StudentSummary,
)
from normkatas.report.insights import CaseDifficulty, Cluster, ScoreChange, Similar, Together
from normkatas.report.result import Result

GRADEBOOK_COLUMNS = (
    "student", "file", "kata", "status", "score", "max_score", "percent", "diagnoses",
)
STATUS_WORD = {"passed": "PASS", "failed": "FAIL", "error": "ERROR", "unmatched": "NO KATA"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def mistake_line(m: MistakeStat) -> str:
    """``14 of 40 normalized per sample (layer-norm)``."""
    return f"{m.count} of {m.total} {clean_line(m.title)} ({clean_line(m.id)})"


def case_label(c: CaseStat) -> str:
    return clean_line(c.name) + (" (hidden)" if c.hidden else "")


def render_class_json(summary: ClassSummary) -> str:
    return msgspec.json.format(msgspec.json.encode(summary), indent=2).decode("utf-8") + "\n"


def render_gradebook(summary: ClassSummary) -> str:
    """The CSV gradebook: one row per student file; cells a spreadsheet cannot run."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(GRADEBOOK_COLUMNS)
    for s in summary.students:
        writer.writerow([
            _cell(s.student), _cell(s.file), s.kata, s.status,
            v.fmt_points(s.score), v.fmt_points(s.max_score), f"{s.percent:g}",
            ";".join(s.diagnoses),
        ])
    return buffer.getvalue()


def _cell(text: str) -> str:
    text = clean_line(text)
    return "'" + text if text.startswith(_FORMULA_START) else text


def render_class_text(summary: ClassSummary, *, color: bool = False, verbose: bool = False) -> str:
    """The class summary for a terminal: per kata, then the students who did not pass
    (everyone with ``verbose``, which also draws the score histograms)."""
    s = Style(color)
    out = [s("warning", "yellow", "bold") + f": {clean_line(w)}" for w in summary.warnings]
    out.append(s("class summary", "bold") + f": {_counts(summary)}")
    if summary.submissions:
        out.append(f"  mean score {summary.mean_percent:.0f}%, "
                   f"{summary.duration_s:.1f} s")
    for kata in summary.katas:
        out += ["", *_kata_text(s, kata, verbose)]
    out += _insight_lines(s, summary)
    shown = [x for x in summary.students if verbose or x.status != "passed"]
    if shown:
        out += ["", s("students" if verbose else "students who did not pass", "bold")]
        out += _student_lines(s, shown)
    hidden = len(summary.students) - len(shown)
    if hidden:
        out.append(f"  ({hidden} passed: listed with --verbose and in the gradebook)")
    if summary.ignored and verbose:
        out += ["", s("ignored files", "bold")]
        out += [f"  {clean_line(i.file)}: {clean_line(i.message)}" for i in summary.ignored]
    if summary.interrupted:
        out += ["", s(f"interrupted: {_n(summary.pending, 'submission')} not graded",
                      "yellow", "bold")]
    return "\n".join(out) + "\n"


def _insight_lines(s: Style, summary: ClassSummary) -> list[str]:
    out: list[str] = []
    found = summary.insights
    if found.similar:
        out += ["", s("similar wrong outputs", "bold")
                + " (a hint to compare the files, never a verdict)"]
        out += [f"  {', '.join(clean_line(n) for n in x.students)}: the same values on"
                f" {_n(len(x.cases), 'wrong case')} ({x.hidden_cases} hidden),"
                f" fingerprint {x.fingerprint}" for x in found.similar]
    if found.regrade is not None and found.regrade.changes:
        out += ["", s("changed since the last run", "bold")]
        out += [f"  {clean_line(c.student)}: {v.fmt_points(c.before)}/{v.fmt_points(c.max_before)}"
                f" -> {v.fmt_points(c.after)}/{v.fmt_points(c.max_after)}; "
                + "; ".join(change_reasons(c)) for c in found.regrade.changes]
    return out


def _student_lines(s: Style, students: list[StudentSummary]) -> list[str]:
    width = min(30, max(len(clean_line(x.student)) for x in students))
    lines = []
    for x in students:
        word = s(f"{STATUS_WORD[x.status]:<7}", STATUS_COLOUR.get(x.status, "yellow"))
        name = f"{clean_line(x.student):<{width}}"
        if x.status == "unmatched":
            lines.append(f"  {name}  {word}  {clean_line(x.file)}: {clean_line(x.message)}")
            continue
        score = f"{v.fmt_points(x.score)}/{v.fmt_points(x.max_score)}"
        extra = ", ".join(x.diagnoses) or x.error
        line = f"  {name}  {word}  {score:>7} {x.percent:4.0f}%  {x.kata}"
        lines.append(f"{line}  {extra}" if extra else line)
    return lines


def _counts(summary: ClassSummary) -> str:
    parts = [_n(summary.submissions, "submission"), f"{summary.passed} passed",
             f"{summary.failed} failed", f"{summary.errors} errors"]
    if summary.unmatched:
        parts.append(f"{summary.unmatched} unmatched")
    if summary.pending:
        parts.append(f"{summary.pending} not graded")
    return ", ".join(parts)


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _kata_text(style: Style, kata: KataSummary, verbose: bool) -> list[str]:
    title = f": {clean_line(kata.title)}" if kata.title else ""
    lines = [
        style(clean_line(kata.kata), "bold") + title,
        f"  {_n(kata.submissions, 'submission')}: {kata.passed} passed, {kata.failed} failed, "
        f"{kata.errors} errors; mean {kata.mean_percent:.0f}%, "
        f"median {kata.median_percent:.0f}%",
    ]
    if verbose:
        lines.append("  score distribution (% of the maximum)")
        top = max((b.count for b in kata.histogram), default=0) or 1
        for b in kata.histogram:
            label = f"{b.low}-{b.high}%"
            lines.append(f"    {label:>8} {'#' * round(20 * b.count / top):<20} {b.count}")
    else:
        bins = [f"{b.count} at {b.low}-{b.high}%" for b in kata.histogram if b.count]
        lines.append("  scores: " + ", ".join(bins))
    if kata.cases:
        lines.append("  pass rate per case")
        width = min(40, max(len(case_label(c)) for c in kata.cases))
        for c in kata.cases:
            lines.append(f"    {case_label(c):<{width}}  {c.passed:>3}/{c.total:<3} "
                         f"{100 * c.rate:4.0f}%  {'#' * round(20 * c.rate)}")
    if kata.mistakes:
        lines.append("  mistakes")
        lines += [f"    {mistake_line(m)}" for m in kata.mistakes]
    if kata.error_kinds:
        kinds = ", ".join(f"{k} {n}" for k, n in kata.error_kinds.items())
        lines.append(f"  could not run: {kinds}")
    return lines


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str
    percent: float = 0.0
    """The bar's share of the full length (for the CSS bars of the tables)."""


def histogram_bars(bins: list[Bin], *, width: int = 420, height: int = 150) -> list[Bar]:
    top = max((b.count for b in bins), default=0) or 1
    slot = width / max(1, len(bins))
    bars = []
    for i, b in enumerate(bins):
        h = height * b.count / top
        bars.append(Bar(i * slot + 2, height - h, slot - 4, h, f"{b.low}", str(b.count),
                        100.0 * b.count / top))
    return bars


def rate_bars(kata: KataSummary, *, width: int = 300, row: int = 22) -> list[Bar]:
    return [
        Bar(0, i * row, width * c.rate, row - 6, case_label(c),
            f"{c.passed}/{c.total} ({100 * c.rate:.0f}%)", 100.0 * c.rate)
        for i, c in enumerate(kata.cases)
    ]


def mistake_bars(kata: KataSummary, *, width: int = 300, row: int = 22) -> list[Bar]:
    return [
        Bar(0, i * row, width * m.count / max(1, m.total), row - 6, mistake_line(m), str(m.count),
            100.0 * m.count / max(1, m.total))
        for i, m in enumerate(kata.mistakes)
    ]


@dataclass(frozen=True)
class KataInsights:
    clusters: list[Cluster]
    together: list[Together]
    difficulty: list[CaseDifficulty]
    similar: list[Similar]


def kata_insights(summary: ClassSummary, kata: str) -> KataInsights:
    found = summary.insights
    return KataInsights(
        clusters=[c for c in found.clusters if c.kata == kata],
        together=[t for t in found.together if t.kata == kata],
        difficulty=[d for d in found.difficulty if d.kata == kata],
        similar=[s for s in found.similar if s.kata == kata],
    )


def change_reasons(change: ScoreChange) -> list[str]:
    """Why a student's result changed between two runs, as short phrases."""
    out = []
    if change.file_changed:
        out.append("the submitted file changed")
    if change.now_failing:
        out.append("now fails " + ", ".join(clean_line(c) for c in change.now_failing))
    if change.now_passing:
        out.append("now passes " + ", ".join(clean_line(c) for c in change.now_passing))
    if change.diagnoses_added:
        out.append("new diagnosis " + ", ".join(clean_line(d) for d in change.diagnoses_added))
    if change.diagnoses_removed:
        out.append("no longer " + ", ".join(clean_line(d) for d in change.diagnoses_removed))
    for p in change.points:
        name = clean_line(p.case)
        if p.before is None:
            out.append(f"new case {name}")
        elif p.after is None:
            out.append(f"case {name} removed")
        else:
            out.append(f"{name} worth {v.fmt_points(p.max_after or 0.0)} points"
                       f" (was {v.fmt_points(p.max_before or 0.0)})")
    if change.max_before != change.max_after:
        out.append(f"maximum score {v.fmt_points(change.max_before)} -> "
                   f"{v.fmt_points(change.max_after)}")
    return out or ["points of the same cases changed"]


def render_class_html(summary: ClassSummary, results: Mapping[str, Result]) -> str:
    from normkatas.render._jinja import render_template
    from normkatas.render.text import render_text

    reports = {
        s.key: render_text(results[s.key], color=False)
        for s in summary.students
        if s.key in results and s.status != "passed"
    }
    return render_template(
        "class_report.html.j2",
        summary=summary,
        results=results,
        reports=reports,
        histogram=histogram_bars(summary.histogram),
        charts={
            k.kata: {
                "histogram": histogram_bars(k.histogram),
                "rates": rate_bars(k),
                "mistakes": mistake_bars(k),
            }
            for k in summary.katas
        },
        insights={k.kata: kata_insights(summary, k.kata) for k in summary.katas},
        regrade=summary.insights.regrade,
        change_reasons=change_reasons,
        names={x.key: x.student for x in summary.students},
        status_word=STATUS_WORD,
        mistake_line=mistake_line,
        case_label=case_label,
        fmt_points=v.fmt_points,
    )
