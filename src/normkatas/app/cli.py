"""The `grade` command: parse the command line, call the library, print.

Exit status: 0 every case passed; 1 the submission failed or errored;
2 usage or spec error; 3 internal grader error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from normkatas import __version__
from normkatas.app.batch.options import add_batch_arguments, batch_requested
from normkatas.errors import UsageError

if TYPE_CHECKING:
    from normkatas.render.html import Heatmaps
    from normkatas.report.result import Result
    from normkatas.sandbox.types import Limits
    from normkatas.spec.library import KataLibrary

EXIT_PASSED, EXIT_FAILED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
MAX_TIMEOUT = 86400.0  # seconds: a day; more (or inf, nan) is a typo, not a limit
FORMATS = (
    "text", "json", "markdown", "html", "junit", "gradescope", "github", "classroom", "exercism",
)
SUBCOMMANDS = ("init", "check")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] in SUBCOMMANDS and not Path(args[0]).exists():
            return _subcommand(args[0], args[1:])
        return _grade(build_parser().parse_args(args))
    except UsageError as exc:
        print(f"grade: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("grade: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_FAILED
    except Exception as exc:
        if _is_spec_problem(exc):
            print(f"grade: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        import traceback

        print("grade: internal error (please report it with the text below)", file=sys.stderr)
        traceback.print_exc()
        return EXIT_INTERNAL


def _is_spec_problem(exc: Exception) -> bool:
    """Kata spec and reference problems are the instructor's to fix: exit 2."""
    from normkatas.grading.reference import ReferenceError
    from normkatas.spec.load import SpecError

    return isinstance(exc, (SpecError, ReferenceError))


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="grade",
        description="Grade a normalization-layer kata and explain what is wrong.",
        epilog="Also: `grade init KATA` writes a starter file; `grade check [KATA...]` "
        "checks kata specs (instructors).",
    )
    p.add_argument("files", nargs="*", type=Path, help="submission file(s) or folder(s)")
    p.add_argument("--kata", "-k", help="kata id (default: found from the functions defined)")
    p.add_argument("--format", "-f", choices=FORMATS, default="text")
    p.add_argument("--output", "-o", type=Path, help="write the report here (atomically)")
    p.add_argument("--katas-dir", action="append", type=Path, default=[],
                   help="an extra folder of kata specs (repeatable)")
    p.add_argument("--list", action="store_true", help="list the katas")
    p.add_argument("--show", metavar="KATA", help="print a kata's statement and examples")
    p.add_argument("--timeout", type=float, help="seconds per submission (default 10)")
    p.add_argument("--memory-mb", type=int, help="memory limit of the student process")
    p.add_argument("--jobs", "-j", type=int, default=0,
                   help="submissions graded at once (default: all cores)")
    p.add_argument("--no-diagnosis", action="store_true", help="compare only")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    p.add_argument("--verbose", "-v", action="store_true")
    p.add_argument("--isolation", choices=("auto", "fork", "spawn"), default="auto",
                   help=argparse.SUPPRESS)
    p.add_argument("--version", action="version", version=f"normkatas {__version__}")
    add_batch_arguments(p)
    return p


def _catalogue(extra: Sequence[Path]) -> KataLibrary:
    from normkatas.app.config import project_katas_dirs
    from normkatas.spec.library import KataLibrary

    for folder in extra:
        if not folder.is_dir():
            raise UsageError(f"--katas-dir {folder}: no such folder")
    return KataLibrary.from_dirs([*project_katas_dirs(Path.cwd()), *extra])


def _grade(args: argparse.Namespace) -> int:
    if args.list or args.show:
        return _list_or_show(args)
    if not args.files:
        raise UsageError("no submission given; try `grade my_solution.py` or `grade --list`")
    from normkatas.spec.selection import collect_submissions

    submissions = collect_submissions(args.files)
    if len(submissions) > 1 or any(f.is_dir() for f in args.files) or batch_requested(args):
        from normkatas.app.batch.run import grade_class

        return grade_class(args, submissions, _catalogue)
    return _grade_one(args, submissions[0])


def _grade_one(args: argparse.Namespace, path: Path) -> int:
    from normkatas.grading.session import SessionOptions, open_session

    # The fork server starts before any kata, reference or expected value is loaded.
    options = SessionOptions(jobs=2, mode=args.isolation)
    with open_session(options, load=lambda: _catalogue(args.katas_dir)) as session:
        from normkatas.grading.prepare import failing_outputs, grade_with_outcomes, prepare
        from normkatas.spec.selection import select_kata

        sandbox, catalogue = session.sandbox, session.library
        _warn_catalogue_errors(catalogue)
        kata = select_kata(path, catalogue, args.kata)
        prepared = prepare(
            kata,
            [catalogue.solutions_dir_for(kata.id)],
            limits=limits_from_args(args),
            diagnose=not args.no_diagnosis,
        )
        result, outcomes = grade_with_outcomes(
            path, prepared, sandbox, display_name=str(path), diagnose=not args.no_diagnosis,
            while_waiting=lambda: _warm_renderer(args.format),
        )
    arrays = failing_outputs(prepared, result, outcomes) if args.format == "html" else None
    emit(args, render_result(args, result, arrays), result_for_summary=result)
    return EXIT_PASSED if result.status == "passed" else EXIT_FAILED


def _warm_renderer(fmt: str) -> None:
    """Import the report's renderer while the student's code runs (it is idle time)."""
    import importlib

    importlib.import_module(f"normkatas.render.{fmt}")


def limits_from_args(args: argparse.Namespace) -> Limits:
    import dataclasses

    from normkatas.sandbox.types import Limits

    limits = Limits()
    if args.timeout is not None:
        if not 0 < args.timeout <= MAX_TIMEOUT:  # also refuses nan
            raise UsageError(
                f"--timeout must be a positive number of seconds, at most {MAX_TIMEOUT:g}"
            )
        limits = dataclasses.replace(limits, timeout=args.timeout)
    if args.memory_mb is not None:
        if args.memory_mb < 64:
            raise UsageError("--memory-mb must be at least 64")
        limits = dataclasses.replace(limits, memory_mb=args.memory_mb)
    return limits


def use_color(args: argparse.Namespace) -> bool:
    from normkatas.app.output import color_wanted

    return color_wanted(args.color, to_file=args.output is not None)


def render_result(args: argparse.Namespace, result: Result, arrays: Heatmaps | None = None) -> str:
    from normkatas.render import render

    return render(
        result, args.format, color=use_color(args), verbose=args.verbose, arrays=arrays
    )


def emit(args: argparse.Namespace, text: str, *, result_for_summary: object = None) -> None:
    """Print or write the report; for `github`, also fill the step summary."""
    from normkatas.app.output import append_text, write_atomic

    if args.output is not None:
        try:
            write_atomic(args.output, text)
        except OSError as exc:
            raise UsageError(
                f"--output {args.output}: cannot write it ({exc.strerror or exc})"
            ) from None
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if args.format == "github" and summary and result_for_summary is not None:
        from normkatas.render.github import step_summary

        append_text(Path(summary), step_summary(result_for_summary))  # type: ignore[arg-type]


def _warn_catalogue_errors(catalogue: KataLibrary) -> None:
    """Kata files that failed to load: named on stderr, the other katas still work."""
    for error in catalogue.errors:
        print(f"grade: warning: {error}", file=sys.stderr)


def _list_or_show(args: argparse.Namespace) -> int:
    from normkatas.render.kata import render_kata, render_kata_list
    from normkatas.spec.selection import kata_by_id

    catalogue = _catalogue(args.katas_dir)
    _warn_catalogue_errors(catalogue)
    if args.show:
        kata = kata_by_id(catalogue, args.show)
        sys.stdout.write(render_kata(kata, color=use_color(args)))
    else:
        sys.stdout.write(render_kata_list(catalogue.all(), color=use_color(args)))
    return EXIT_PASSED


def _subcommand(name: str, argv: list[str]) -> int:
    if name == "init":
        return _init(argv)
    return _check(argv)


def _init(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="grade init", description="Write a starter file for a kata.")
    p.add_argument("kata")
    p.add_argument("--output", "-o", type=Path, help="file to write (default: <function>.py)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.add_argument("--katas-dir", action="append", type=Path, default=[])
    args = p.parse_args(argv)
    from normkatas.app.output import write_atomic
    from normkatas.app.starter import starter_source
    from normkatas.spec.selection import kata_by_id

    kata = kata_by_id(_catalogue(args.katas_dir), args.kata)
    target = args.output or Path(f"{kata.entry}.py")
    if target.exists() and not args.force:
        raise UsageError(f"{target} exists; pass --force to overwrite it")
    write_atomic(target, starter_source(kata))
    print(f"wrote {target}: implement {kata.entry}, then run `grade {target}`")
    return EXIT_PASSED


def _check(argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="grade check",
        description="Check kata specs: the reference passes, written expected values agree, "
        "and every known mistake is caught by at least one case.",
    )
    p.add_argument("targets", nargs="*", help="kata ids, kata files or folders (default: all)")
    p.add_argument("--katas-dir", action="append", type=Path, default=[])
    p.add_argument("--format", "-f", choices=("text", "json"), default="text")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    args = p.parse_args(argv)
    from normkatas.app.check import run_checks

    return run_checks(args, _catalogue)
