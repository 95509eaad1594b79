"""The command-line options of class (batch) grading; cheap to import.

`grade` grades a class when it is given several files, a folder, or any of
these options.  Kept apart from `normkatas.app.batch.run` so that `grade --help` does
not import the batch machinery.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from normkatas.sandbox.types import Limits

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


@dataclass(frozen=True)
class ClassOptions:
    """What a class run was asked to do: read once from the command line, then typed."""

    files: tuple[Path, ...]
    kata: str | None
    katas_dir: tuple[Path, ...]
    format: str
    output: Path | None
    verbose: bool
    color: bool
    jobs: int
    """Student processes at once (0: one per core)."""
    isolation: str
    diagnose: bool
    limits: Limits
    out: Path | None = None
    gradebook: Path | None = None
    jsonl: Path | None = None
    class_report: Path | None = None
    resume: bool = False
    progress: str = "auto"
    allow_unprotected: bool = False

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> ClassOptions:
        from normkatas.app.options import limits_from_args
        from normkatas.app.output import use_color

        return cls(
            files=tuple(args.files), kata=args.kata, katas_dir=tuple(args.katas_dir),
            format=args.format, output=args.output, verbose=bool(args.verbose),
            color=use_color(args), jobs=int(args.jobs), isolation=args.isolation,
            diagnose=not args.no_diagnosis, limits=limits_from_args(args),
            out=args.out, gradebook=args.gradebook, jsonl=args.jsonl,
            class_report=args.class_report, resume=bool(args.resume),
            progress=args.progress, allow_unprotected=bool(args.allow_unprotected),
        )
