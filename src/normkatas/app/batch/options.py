"""The command-line options of class (batch) grading; cheap to import.

`grade` grades a class when it is given several files, a folder, or any of
these options.  Kept apart from `normkatas.app.batch.run` so that `grade --help` does
not import the batch machinery.
"""

from __future__ import annotations

import argparse

BATCH_OPTIONS = ("out", "gradebook", "jsonl", "class_report", "resume")


def add_batch_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "class grading (several files or a folder: one file or one folder per student)"
    )
    group.add_argument(
        "--out", type=_path, metavar="DIR",
        help="write gradebook.csv, results.jsonl, class-report.html and "
        "results/<student>.json into DIR (results are written as they finish)",
    )
    group.add_argument("--gradebook", type=_path, metavar="FILE.csv",
                       help="write the CSV gradebook here")
    group.add_argument("--jsonl", type=_path, metavar="FILE",
                       help="write one JSON result per line, per student, as they finish")
    group.add_argument("--class-report", type=_path, metavar="FILE.html",
                       help="write the HTML class report here")
    group.add_argument("--resume", action="store_true",
                       help="with --out: skip students whose result for the same file "
                       "content is already in DIR")
    group.add_argument("--allow-unprotected", action="store_true",
                       help="grade a class on a platform where the sandbox cannot run jobs "
                       "under their own identity (macOS, Windows, Linux without user "
                       "namespaces); every report then carries a warning")
    group.add_argument("--progress", choices=("auto", "always", "never"), default="auto",
                       help="the progress line on stderr (auto: when stderr is a terminal)")


def batch_requested(args: argparse.Namespace) -> bool:
    """True when an option only class grading understands was given."""
    return any(getattr(args, name, None) for name in BATCH_OPTIONS)


def _path(text: str) -> object:
    from pathlib import Path

    return Path(text)
