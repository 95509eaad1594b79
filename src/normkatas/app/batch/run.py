"""Class grading: many submissions, one sandbox, one summary.

`grade_class` is what `grade` runs when given several files, a folder, or a
class option (``--out``, ``--gradebook``, ``--jsonl``, ``--class-report``).
The sandbox starts before any kata is loaded; each kata is prepared once;
every job of every student goes through one ``Sandbox.run_many`` so that
``--jobs`` student processes run at once; a student's result is built (and
diagnosed only if it failed) and written the moment their last job
finishes.  Ctrl-C or SIGTERM stops the run but keeps what finished;
``--resume`` then skips the students already graded.

Trust: only this process writes results, once a student's jobs are over;
each per-student file is sealed (`normkatas.app.batch.seal`) and
``--resume`` re-grades every student whose file does not verify.  Without
the sandbox's protections a class run needs ``--allow-unprotected`` and
says so in every report.  A result that cannot be written (a full disk)
is named on stderr; the others are still written.

Exit status: 0 every submission passed; 1 otherwise; 2 usage error (also:
no protections and no ``--allow-unprotected``); 4 some result files could
not be written (named on stderr); 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from normkatas.errors import UsageError

if TYPE_CHECKING:
    from normkatas.app.batch.collect import Plan, Submission
    from normkatas.app.batch.options import ClassOptions
    from normkatas.app.batch.store import ResultStore
    from normkatas.grading.prepare import SandboxLike
    from normkatas.grading.prepared import PreparedKata
    from normkatas.report.class_summary import ClassSummary, StudentSummary
    from normkatas.report.result import Result
    from normkatas.sandbox.types import Job, Limits, RunOutcome
    from normkatas.spec.library import KataLibrary
    from normkatas.spec.model import Kata

from normkatas.app.exits import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_NOT_WRITTEN, EXIT_PASSED

SUMMARY_FORMATS = ("text", "json")
CatalogueFactory = Callable[[Sequence[Path]], "KataLibrary"]


def grade_class(
    args: argparse.Namespace, submissions: Sequence[Path], catalogue_factory: CatalogueFactory
) -> int:
    _check_options(args)
    from normkatas.app.batch.options import ClassOptions

    return grade_class_with(ClassOptions.from_args(args), submissions, catalogue_factory)


def grade_class_with(
    opts: ClassOptions, submissions: Sequence[Path], catalogue_factory: CatalogueFactory
) -> int:
    """Grade a class with typed options (`grade_class` reads them from the command line)."""
    from normkatas.app.platform import class_gate, machine, with_sandbox

    allow = opts.allow_unprotected
    found = machine(opts.isolation, probe=True)
    warnings = class_gate(found, allow)  # one line; refused without an identity per job
    for warning in warnings:
        print(f"grade: warning: {warning}", file=sys.stderr)
    from normkatas.grading.session import SessionOptions, open_session

    started = time.perf_counter()
    run: ClassRun | None = None
    options = SessionOptions(jobs=_jobs(opts.jobs), mode=opts.isolation)  # type: ignore[arg-type]
    # The sandbox starts first: only then are katas, references and expected values loaded.
    with _sigterm_as_interrupt(), open_session(
        options, load=lambda: catalogue_factory(list(opts.katas_dir))
    ) as session:
        if not warnings:  # what the sandbox actually set up (the platform looked fine)
            warnings = class_gate(with_sandbox(found, session.protections), allow,
                                  session.sandbox.warnings)
            for warning in warnings:
                print(f"grade: warning: {warning}", file=sys.stderr)
        from normkatas.app.batch.collect import plan_class

        sandbox, catalogue = session.sandbox, session.library
        for error in getattr(catalogue, "errors", ()):
            print(f"grade: warning: {error}", file=sys.stderr)
        plan = plan_class(submissions, list(opts.files), catalogue, opts.kata)
        from normkatas.app.secrecy import check_hidden_cases

        exposed = check_hidden_cases(session, [kata.id for _, kata in plan.submissions],
                                     allow_unprotected=allow)
        for warning in exposed:
            print(f"grade: warning: {warning}", file=sys.stderr)
        warnings = [*warnings, *exposed]
        run = ClassRun(opts, plan, catalogue, started, warnings=warnings)
        try:
            run.grade(sandbox)
        except KeyboardInterrupt:
            run.interrupted = True
        finally:
            run.close()
    return run.finish()


def _check_options(args: argparse.Namespace) -> None:
    if args.format not in SUMMARY_FORMATS:
        raise UsageError(
            f"--format {args.format} grades one submission; for a class use --format text "
            "or json (and --out DIR for every student's result)"
        )
    if args.jobs < 0:
        raise UsageError("--jobs must be a positive number (0: all cores)")
    if args.resume and args.out is None:
        raise UsageError("--resume needs --out DIR (the folder of an earlier run)")


def _jobs(jobs: int) -> int:
    return jobs if jobs else os.cpu_count() or 1


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM stops the run like Ctrl-C does: finished results are kept."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class ClassRun:
    """One class run: what is left to grade, what is done, where it goes."""

    def __init__(
        self,
        opts: ClassOptions,
        plan: Plan,
        catalogue: KataLibrary,
        started: float,
        *,
        warnings: Sequence[str] = (),
    ) -> None:
        from normkatas.app.batch.store import ResultStore

        self.opts = opts
        self.plan = plan
        self.catalogue = catalogue
        self.started = started
        self.interrupted = False
        self.results: dict[str, Result] = {}
        self.resumed: set[str] = set()
        self.not_passed = 0
        self.warnings = list(warnings)
        out, jsonl = opts.out, opts.jsonl
        self.store: ResultStore = ResultStore(
            out / "results" if out is not None else None,
            jsonl if jsonl is not None else (out / "results.jsonl" if out is not None else None),
            key_dir=out,
        )
        self.progress = Progress(len(plan.submissions), _progress_wanted(opts.progress))

    def grade(self, sandbox: SandboxLike) -> None:
        todo = self._resume()
        self.store.start((s, self.results[s.key]) for s, _ in self.plan.submissions
                         if s.key in self.results)
        self.not_passed = sum(r.status != "passed" for r in self.results.values())
        self.progress.update(len(self.results), self.not_passed)
        if not todo:
            return
        prepared = self._prepare({kata.id: kata for _, kata in todo})
        self._run(sandbox, todo, prepared)

    def _resume(self) -> list[tuple[Submission, Kata]]:
        if not self.opts.resume:
            return list(self.plan.submissions)
        previous = self.store.previous()
        if self.store.untrusted:
            print(f"grade: warning: {self.store.untrusted} result file(s) in "
                  f"{self.store.results_dir} were not sealed by this grader's key (altered, "
                  "or written by something else): those students are graded again",
                  file=sys.stderr)
        todo = []
        for submission, kata in self.plan.submissions:
            old = previous.get(submission.key)
            if old is not None and old.sha256 == submission.sha256 and old.result.kata == kata.id:
                self.results[submission.key] = old.result
                self.resumed.add(submission.key)
            else:
                todo.append((submission, kata))
        return todo

    def _prepare(self, katas: dict[str, Kata]) -> dict[str, PreparedKata]:
        from normkatas.grading.prepare import prepare

        limits: Limits = self.opts.limits
        return {
            kata_id: prepare(
                kata,
                [self.catalogue.solutions_dir_for(kata_id)],
                limits=limits,
                diagnose=self.opts.diagnose,
            )
            for kata_id, kata in katas.items()
        }

    def _run(
        self,
        sandbox: SandboxLike,
        todo: Sequence[tuple[Submission, Kata]],
        prepared: dict[str, PreparedKata],
    ) -> None:
        from normkatas.app.batch.build import Builder, build_processes
        from normkatas.grading.prepare import job_outcomes, make_jobs

        # Every job of every student (visible cases, then the hidden ones) through
        # one run_many: `owner` maps a job back to (student, job of the student).
        jobs: list[Job] = []
        owner: list[tuple[int, int]] = []
        sizes: list[int] = []
        for i, (submission, kata) in enumerate(todo):
            if submission.path.suffix.lower() in (".yaml", ".yml"):  # quiz answers: no jobs
                from normkatas.app.quiz import answers_result

                sizes.append(0)
                self._finished(submission, answers_result(kata, submission.path,
                                                          submission.display))
                continue
            mine = make_jobs(prepared[kata.id], submission.graded_path)
            sizes.append(len(mine))
            owner.extend((i, j) for j in range(len(mine)))
            jobs.extend(mine)
        diagnose = self.opts.diagnose
        builder = Builder(prepared, self._build, self._finished,
                          processes=build_processes(_jobs(self.opts.jobs), len(todo), diagnose))
        pending: dict[int, list[RunOutcome | None]] = {}
        try:
            for index, outcome in sandbox.run_many(jobs):
                i, j = owner[index]
                slots = pending.setdefault(i, [None] * sizes[i])
                slots[j] = outcome
                if all(o is not None for o in slots):
                    del pending[i]
                    submission, kata = todo[i]
                    outcomes = [part for o in slots if o is not None for part in job_outcomes(o)]
                    builder.submit(submission, kata.id, outcomes)
        except BaseException:
            builder.close(interrupted=True)
            raise
        builder.close()

    def _build(
        self, prepared: PreparedKata, submission: Submission, outcomes: Sequence[RunOutcome]
    ) -> Result:
        import msgspec

        from normkatas.grading.prepare import build_result

        try:
            result = build_result(
                prepared,
                submission.graded_path,
                outcomes,
                display_name=submission.display,
                diagnose=self.opts.diagnose,
            )
            if submission.notebook is not None:
                from normkatas.notebook.remap import remap_result

                result = remap_result(result, submission.notebook, display=submission.display)
        except Exception as exc:  # one student's odd outcome must not stop the class
            return internal_error_result(prepared, submission, exc)
        from normkatas.app.batch.fingerprint import output_digests
        from normkatas.app.platform import split_warnings

        duration = sum(o.duration for o in outcomes) * 1000
        student, _machine = split_warnings(result.warnings)  # the class's one line says it
        return msgspec.structs.replace(result, duration_ms=round(duration, 3),
                                       fingerprint=output_digests(outcomes), warnings=student)

    def _finished(self, submission: Submission, result: Result) -> None:
        self.results[submission.key] = result
        self.not_passed += result.status != "passed"
        self.store.add(submission, result)
        self.progress.update(len(self.results), self.not_passed)

    def close(self) -> None:
        self.store.close()
        self.progress.done()
        for path, reason in self.store.failures:
            print(f"grade: error: {path}: cannot write it ({reason}); the other results "
                  "were written", file=sys.stderr)

    def summary(self) -> ClassSummary:
        from normkatas.report.class_summary import IgnoredFile, summarize

        students = self.student_summaries()
        ignored = [IgnoredFile(student=u.student, file=u.display, message=u.message)
                   for u in self.plan.unmatched if u.ignored]
        import msgspec

        summary = summarize(
            students,
            self.results,
            ignored=ignored,
            pending=len(self.plan.submissions) - len(self.results),
            interrupted=self.interrupted,
            duration_s=time.perf_counter() - self.started,
        )
        return msgspec.structs.replace(summary, warnings=list(self.warnings))

    def student_summaries(self) -> list[StudentSummary]:
        from normkatas.app.batch.collect import safe_key
        from normkatas.report.class_summary import StudentSummary, student_summary

        out = [
            student_summary(s.student, s.key, s.sha256, self.results[s.key],
                            resumed=s.key in self.resumed)
            for s, _ in self.plan.submissions
            if s.key in self.results
        ]
        used = {s.key for s, _ in self.plan.submissions}
        for n, u in enumerate(u for u in self.plan.unmatched if not u.ignored):
            key = safe_key(f"unmatched-{n + 1}-{u.student}")
            if key not in used:
                out.append(StudentSummary(student=u.student, key=key, file=u.display,
                                          status="unmatched", message=u.message))
        return out

    def finish(self) -> int:
        from normkatas.app.batch.report import write_reports

        summary = self.summary()
        unwritten = write_reports(self.opts, summary, self.results)
        if summary.interrupted:
            return EXIT_INTERRUPTED
        if unwritten or self.store.failures:
            return EXIT_NOT_WRITTEN
        return EXIT_PASSED if summary.all_passed else EXIT_FAILED


def internal_error_result(prepared: PreparedKata, submission: Submission, exc: Exception) -> Result:
    from normkatas._version import __version__
    from normkatas.report.result import CaseResult, ErrorInfo, Result

    print(f"grade: warning: {submission.display}: the grader failed on this submission "
          f"({type(exc).__name__}: {exc})", file=sys.stderr)
    error = ErrorInfo(kind="not-run", type=type(exc).__name__, message="internal grader error")
    return Result(
        grader_version=__version__,
        kata=prepared.kata.id,
        kata_title=prepared.kata.title,
        submission=submission.display,
        status="error",
        score=0.0,
        max_score=prepared.kata.max_score,
        cases=[
            CaseResult(name=c.name, status="error", points=0.0, max_points=c.spec.points,
                       hidden=c.spec.hidden, example=c.spec.example, error=error)
            for c in prepared.cases
        ],
        warnings=[f"the grader failed on this submission: {type(exc).__name__}"],
    )


def _progress_wanted(mode: str) -> bool:
    if mode != "auto":
        return bool(mode == "always")
    return sys.stderr.isatty()


class Progress:
    """A one-line progress bar on stderr, redrawn with ``\\r`` (no dependency)."""

    WIDTH = 30

    def __init__(self, total: int, enabled: bool, stream: Any = None) -> None:
        self.total = total
        self.enabled = enabled and total > 0
        self.stream = stream if stream is not None else sys.stderr
        self._last = ""
        self._shown = False

    def update(self, done: int, not_passed: int) -> None:
        if not self.enabled:
            return
        filled = self.WIDTH * done // self.total
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        line = f"\rgrading [{bar}] {done}/{self.total}  {not_passed} not passed"
        if line != self._last:
            self.stream.write(line)
            self.stream.flush()
            self._last = line
            self._shown = True

    def done(self) -> None:
        if self.enabled and self._shown:
            self.stream.write("\n")
            self.stream.flush()
            self._shown = False
