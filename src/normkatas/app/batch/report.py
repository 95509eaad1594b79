"""The end of a class run: the gradebook, the class report and the summary on stdout."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from normkatas.app.batch.options import ClassOptions
from normkatas.app.output import write_atomic
from normkatas.report.class_summary import ClassSummary
from normkatas.report.result import Result

GRADEBOOK, CLASS_REPORT, SUMMARY = "gradebook.csv", "class-report.html", "class-summary.json"


def write_reports(
    opts: ClassOptions, summary: ClassSummary, results: Mapping[str, Result]
) -> list[Path]:
    """Write the class files and print the summary; returns the files that could not be
    written (each named on stderr: e.g. a full disk keeps one file, not the others, out)."""
    from normkatas.render import classbook

    out = opts.out
    if out is not None:
        summary = with_regrade(summary, out / SUMMARY)
    gradebook = _target(opts.gradebook, out, GRADEBOOK)
    report = _target(opts.class_report, out, CLASS_REPORT)
    unwritten: list[Path] = []

    def write(path: Path, render: Callable[[], str]) -> None:
        try:
            write_atomic(path, render())
        except OSError as exc:
            unwritten.append(path)
            print(f"grade: error: {path}: cannot write it ({exc.strerror or exc})",
                  file=sys.stderr)

    if gradebook is not None:
        write(gradebook, lambda: classbook.render_gradebook(summary))
    if report is not None:
        write(report, lambda: classbook.render_class_html(summary, results))
    if out is not None:
        write(out / SUMMARY, lambda: classbook.render_class_json(summary))

    if opts.format == "json":
        text = classbook.render_class_json(summary)
    else:
        text = classbook.render_class_text(summary, color=opts.color, verbose=opts.verbose)
    if summary.interrupted:
        hint = f" --out {out}" if out is not None else ""
        print(f"grade: interrupted: {summary.submissions} of "
              f"{summary.submissions + summary.pending} submissions graded; "
              f"run again with --resume{hint} to grade the rest", file=sys.stderr)
    # (The summary's warnings went to stderr once, before any student code ran; the
    # text and JSON summaries and the class report carry them.)
    if opts.output is not None:
        write(opts.output, lambda: text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return unwritten


def with_regrade(summary: ClassSummary, earlier_path: Path) -> ClassSummary:
    """`summary` with what changed since the run that wrote `earlier_path`, if it did."""
    import msgspec

    from normkatas.report.insights import regrade

    try:
        earlier = msgspec.json.decode(earlier_path.read_bytes(), type=ClassSummary)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return summary
    insights = msgspec.structs.replace(summary.insights, regrade=regrade(earlier, summary))
    return msgspec.structs.replace(summary, insights=insights)


def _target(explicit: Path | None, out: Path | None, name: str) -> Path | None:
    if explicit is not None:
        return explicit
    return out / name if out is not None else None
