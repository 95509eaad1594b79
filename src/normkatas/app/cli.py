"""The `grade` command: parse the command line, call the library, print.

Exit statuses are defined once, in `normkatas.app.exits`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from normkatas._version import __version__
from normkatas.app.batch.options import add_batch_arguments, batch_requested
from normkatas.app.exits import (
    EXIT_FAILED,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_PASSED,
    EXIT_USAGE,
)
from normkatas.app.options import limits_from_args
from normkatas.app.output import emit, render_result, use_color
from normkatas.errors import UsageError
from normkatas.render import FORMATS

if TYPE_CHECKING:
    from normkatas.app.platform import Machine
    from normkatas.spec.library import KataLibrary

SUBCOMMANDS = ("init", "check", "quiz")


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
        return EXIT_INTERRUPTED
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
    from normkatas.grading.reference import ReferenceFailure
    from normkatas.spec.load import SpecError

    return isinstance(exc, (SpecError, ReferenceFailure))


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="grade",
        description="Grade a normalization-layer kata and explain what is wrong.",
        epilog="Also: `grade init KATA` writes a starter file; `grade check [KATA...]` "
        "checks kata specs (instructors); `grade quiz KATA` asks a kata's concept questions "
        "(an answers file, `grade answers.yaml`, is graded like a solution).",
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
    p.add_argument("--watch", "-w", action="store_true",
                   help="grade again on every save of the file (Ctrl-C stops)")
    p.add_argument("--isolation", choices=("auto", "fork", "spawn", "process"), default="auto",
                   help=argparse.SUPPRESS)
    p.add_argument("--version", action="version", version=f"normkatas {__version__}")
    add_batch_arguments(p)
    from normkatas.app.platform import add_arguments as add_platform_arguments

    add_platform_arguments(p)
    from normkatas.app.student_view import add_arguments as add_disclosure_arguments

    add_disclosure_arguments(p)
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
    from normkatas.app.platform import require_grading_support
    from normkatas.spec.selection import collect_submissions

    submissions = collect_submissions(args.files)
    support = require_grading_support(args.isolation)  # exit 2, a sentence, where it cannot work
    from normkatas.app.student_view import policy_from_args

    policy_from_args(args)  # a bad disclosure policy fails before any grading
    if args.watch:
        return _watch(args, submissions, support)
    if len(submissions) > 1 or any(f.is_dir() for f in args.files) or batch_requested(args):
        from normkatas.app.batch.run import grade_class

        return grade_class(args, submissions, _catalogue)
    return _grade_one(args, submissions[0], support)


def _grade_one(args: argparse.Namespace, path: Path, support: Machine) -> int:
    if path.suffix.lower() in (".yaml", ".yml"):  # quiz answers: no code to run
        from normkatas.app.quiz import grade_answers_file

        return grade_answers_file(args, path, _catalogue)
    from normkatas.app.platform import with_sandbox
    from normkatas.grading.session import SessionOptions, open_session
    from normkatas.notebook.files import submission_file

    # The fork server starts before any kata, reference or expected value is loaded.
    options = SessionOptions(jobs=1, mode=args.isolation)  # one job: visible, then hidden
    with open_session(options, load=lambda: _catalogue(args.katas_dir)) as session, \
            submission_file(path) as (graded, nb):
        from normkatas.grading.prepare import failing_outputs, grade_with_outcomes, prepare
        from normkatas.spec.selection import select_kata

        sandbox, catalogue = session.sandbox, session.library
        support = with_sandbox(support, session.protections)  # what it actually set up
        _warn_catalogue_errors(catalogue)
        kata = select_kata(path, catalogue, args.kata)
        _refuse_readable_hidden_cases(args, session, kata.id)
        prepared = prepare(
            kata,
            [catalogue.solutions_dir_for(kata.id)],
            limits=limits_from_args(args),
            diagnose=not args.no_diagnosis,
        )
        result, outcomes = grade_with_outcomes(
            graded, prepared, sandbox, display_name=str(path), diagnose=not args.no_diagnosis,
            while_waiting=lambda: _warm_renderer(args.format),
        )
        notes = sandbox.warnings  # how the sandbox started: the operator's to read
    if nb is not None:  # a notebook: report cells and lines, not the module's lines
        from normkatas.notebook.remap import remap_result

        result = remap_result(result, nb, display=str(path))
    from normkatas.app.student_view import allowed_arrays, student_result

    result = student_result(args, result, support, notes)  # the policy; machine notes: stderr
    arrays = (allowed_arrays(args, result, failing_outputs(prepared, result, outcomes))
              if args.format == "html" else None)
    emit(args, render_result(args, result, arrays), result_for_summary=result)
    return EXIT_PASSED if result.status == "passed" else EXIT_FAILED


def _refuse_readable_hidden_cases(args: argparse.Namespace, session: Any, kata_id: str) -> None:
    """As root (an operator's grader), hidden cases the job could read are refused."""
    from normkatas.app.secrecy import check_hidden_cases, single_run_needs_secrecy

    if single_run_needs_secrecy():
        allow = bool(getattr(args, "allow_unprotected", False))
        for warning in check_hidden_cases(session, [kata_id], allow_unprotected=allow):
            print(f"grade: warning: {warning}", file=sys.stderr)


def _watch(args: argparse.Namespace, submissions: list[Path], support: Machine) -> int:
    from normkatas.app.watch import watch_command

    if len(submissions) != 1 or batch_requested(args):
        raise UsageError("--watch takes one submission file")

    def report(exc: Exception) -> None:
        print(f"grade: error: {exc}", file=sys.stderr, flush=True)

    return watch_command(
        submissions[0], lambda: _grade_one(args, submissions[0], support), report_error=report
    )


def _warm_renderer(fmt: str) -> None:
    """Import the report's renderer while the student's code runs (it is idle time)."""
    import importlib

    importlib.import_module(f"normkatas.render.{fmt}")


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
    if name == "quiz":
        from normkatas.app.quiz import run_quiz

        return run_quiz(argv, _catalogue)
    return _check(argv)


def _init(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="grade init", description="Write a starter file for a kata.")
    p.add_argument("kata")
    p.add_argument("--output", "-o", type=Path,
                   help="file to write (default: <function>.py, or .ipynb with --notebook)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.add_argument("--notebook", action="store_true",
                   help="write a Jupyter notebook with the statement and a grading cell")
    p.add_argument("--katas-dir", action="append", type=Path, default=[])
    args = p.parse_args(argv)
    from normkatas.app.output import write_atomic
    from normkatas.app.starter import starter_notebook, starter_source
    from normkatas.spec.selection import kata_by_id

    kata = kata_by_id(_catalogue(args.katas_dir), args.kata)
    target = args.output or Path(f"{kata.entry}.{'ipynb' if args.notebook else 'py'}")
    if target.exists() and not args.force:
        raise UsageError(f"{target} exists; pass --force to overwrite it")
    write_atomic(target, starter_notebook(kata) if args.notebook else starter_source(kata))
    print(f"wrote {target}: implement {kata.entry}, then run "
          + ("its grading cell, or " if args.notebook else "") + f"`grade {target}`")
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
