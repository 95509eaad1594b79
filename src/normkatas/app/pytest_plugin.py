"""`pytest --normkatas-grade my_solution.py`: one pytest item per kata case.

Options are namespaced (``--normkatas-grade``, ``--normkatas-kata``,
``--normkatas-katas-dir``), so that they never collide with a project's own
options.  The short forms ``--grade``, ``--grade-kata`` and
``--grade-katas-dir`` are added too, after the project's conftest files are
loaded, and only where no conftest or plugin already uses that name.

Registered through the ``pytest11`` entry point, so pytest imports this
module in every run: at import time it only defines hooks and node classes.
The grader (numpy, msgspec, jinja2) is imported inside the hooks, and only
when ``--normkatas-grade`` (or ``--grade``) is given.

The submission is graded once per session (one sandbox, one grading, at the
first item that runs); each item passes or fails from its case in the
`Result`, and a failure shows the grader's own explanation of that case
instead of a traceback.  ``pytest --grade FILE`` collects only FILE (never
imported into pytest); ``pytest --grade FILE tests/`` collects both.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from contextlib import ExitStack

    from normkatas.grading.prepare import SandboxLike
    from normkatas.report.result import CaseResult, Result
    from normkatas.spec.library import KataLibrary
    from normkatas.spec.model import Kata


OPTIONS = (
    # (namespaced option, short alias kept when no other plugin or conftest has it, dest, help)
    ("--normkatas-grade", "--grade", "normkatas_grade", "FILE",
     "grade FILE against its kata: one test per case"),
    ("--normkatas-kata", "--grade-kata", "normkatas_kata", "ID",
     "kata id (default: found from the functions FILE defines)"),
    ("--normkatas-katas-dir", "--grade-katas-dir", "normkatas_katas_dir", "DIR",
     "an extra folder of kata specs (repeatable)"),
)
GROUP = "normkatas"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Only namespaced options here: they cannot collide with a project's own ``--grade``."""
    group = parser.getgroup(GROUP, "grading a normkatas submission")
    for name, _alias, dest, metavar, text in OPTIONS:
        extra: dict[str, Any] = {"action": "append", "default": []} if name.endswith("dir") else {}
        try:
            group.addoption(name, dest=dest, metavar=metavar, help=text, **extra)
        except Exception as exc:  # argparse.ArgumentError or pytest's ValueError
            raise pytest.UsageError(
                f"the normkatas pytest plugin cannot register {name}: another plugin already"
                f" defines it ({exc}); disable one of them, e.g. with `-p no:normkatas`"
            ) from None


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> Generator[None, object, object]:
    """After the project's conftest files: the short aliases, where nothing else uses them."""
    result = yield
    taken = option_names(parser)
    group = parser.getgroup(GROUP)
    for name, alias, dest, metavar, _text in OPTIONS:
        if alias in taken:
            continue
        extra: dict[str, Any] = {"action": "append"} if name.endswith("dir") else {}
        group.addoption(alias, dest=dest, metavar=metavar, help=f"same as {name}", **extra)
    return result


def option_names(parser: pytest.Parser) -> set[str]:
    """Every option string registered so far, in any group."""
    groups = [parser._anonymous, *parser._groups]  # no public listing exists
    return {n for g in groups for opt in g.options for n in opt.names()}


_OUR_NAMES = (
    (re.compile(r"--katas-dir\b"), "--normkatas-katas-dir"),
    (re.compile(r"--kata\b(?!s)"), "--normkatas-kata"),
)


def own_options(message: str) -> str:
    """A grader message with the `grade` command's options named as this plugin's."""
    for pattern, ours in _OUR_NAMES:
        message = pattern.sub(ours, message)
    return message


class _Session:
    """What the grading of one submission needs, shared by all its items."""

    def __init__(self, config: pytest.Config, target: Path) -> None:
        self.config = config
        self.target = target
        self._stack: ExitStack | None = None
        self._sandbox: SandboxLike | None = None
        self._catalogue: KataLibrary | None = None
        self._kata: Kata | None = None
        self._result: Result | None = None
        self._failure: str | None = None
        self.explained: set[str] = set()
        """Diagnoses already shown in full in this session (later cases get the headline)."""

    def kata(self) -> Kata:
        if self._kata is None:
            from normkatas.errors import UsageError
            from normkatas.spec.selection import select_kata

            self._start_sandbox()
            try:
                self._catalogue = self._load_catalogue()
                self._kata = select_kata(
                    self.target, self._catalogue, self.config.getoption("normkatas_kata")
                )
            except UsageError as exc:
                raise GradeSetupError(own_options(str(exc))) from None
        return self._kata

    def _start_sandbox(self) -> None:
        # The sandbox starts before any kata is loaded: student processes
        # never hold a reference solution or an expected value.
        from contextlib import ExitStack

        from normkatas.grading.session import SessionOptions, open_session

        self._stack = ExitStack()
        self._sandbox = self._stack.enter_context(open_session(SessionOptions(jobs=1))).sandbox

    def _load_catalogue(self) -> KataLibrary:
        from normkatas.app.config import project_katas_dirs
        from normkatas.spec.library import KataLibrary

        base = self.config.invocation_params.dir
        extra = [base / d for d in self.config.getoption("normkatas_katas_dir") or []]
        for folder in extra:
            if not folder.is_dir():
                raise GradeSetupError(f"--normkatas-katas-dir {folder}: no such folder")
        return KataLibrary.from_dirs([*project_katas_dirs(base), *extra])

    def result(self) -> Result:
        if self._failure is not None:
            raise GradeSetupError(self._failure)
        if self._result is None:
            try:
                self._result = self._grade()
            except GradeSetupError as exc:
                self._failure = str(exc)
                raise
        return self._result

    def _grade(self) -> Result:
        import msgspec

        from normkatas.grading.prepare import grade_submission, prepare
        from normkatas.grading.reference import ReferenceFailure
        from normkatas.spec.load import SpecError

        kata = self.kata()
        assert self._catalogue is not None and self._sandbox is not None
        try:
            prepared = prepare(kata, [self._catalogue.solutions_dir_for(kata.id)])
        except (SpecError, ReferenceFailure) as exc:
            raise GradeSetupError(
                f"the kata {kata.id} cannot be graded: {own_options(str(exc))}"
            ) from None
        from normkatas.app.platform import split_warnings
        from normkatas.report.disclosure import apply_policy

        result = grade_submission(
            self.target, prepared, self._sandbox, display_name=_display(self.config, self.target)
        )
        student, _machine = split_warnings(result.warnings)  # about the machine, not the code
        return apply_policy(msgspec.structs.replace(result, warnings=student))

    def close(self) -> None:
        if self._stack is not None:
            self._stack.close()
            self._stack = None


_SESSION = pytest.StashKey[_Session]()


class GradeSetupError(Exception):
    """The submission could not be graded at all (no kata, broken kata): the message says why."""


class CaseFailed(Exception):
    def __init__(self, case: CaseResult) -> None:
        super().__init__(case.name)
        self.case = case


def pytest_configure(config: pytest.Config) -> None:
    option = config.getoption("normkatas_grade", None)
    if not option:
        return
    target = (config.invocation_params.dir / option).resolve()
    if not target.is_file():
        raise pytest.UsageError(f"--normkatas-grade {option}: no such file")
    if target.suffix != ".py":
        raise pytest.UsageError(f"--normkatas-grade {option}: not a Python file")
    from normkatas.app.platform import PlatformUnsupported, require_grading_support

    try:
        require_grading_support()
    except PlatformUnsupported as exc:
        raise pytest.UsageError(str(exc)) from None
    session = _Session(config, target)
    config.stash[_SESSION] = session
    config.add_cleanup(session.close)
    # Collect the submission itself: alone, or next to the paths given.
    explicit = list(config.args) if config.args_source == pytest.Config.ArgsSource.ARGS else []
    if not any(Path(a).resolve() == target for a in explicit if "::" not in a):
        config.args = [*explicit, str(target)]


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector) -> Any:
    session = parent.config.stash.get(_SESSION, None)
    if session is not None and module_path.resolve() == session.target:
        # Never import the student's file into pytest: grade it instead.
        return GradeFile.from_parent(parent, path=module_path)
    return None


class GradeFile(pytest.File):
    """The submission: its items are the kata's cases."""

    def collect(self) -> Iterator[pytest.Item]:
        session = self.config.stash[_SESSION]
        kata = session.kata()
        for case in kata.graded_cases:
            yield GradeItem.from_parent(self, name=case.name, hidden=case.hidden)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> Any:  # type: ignore[override]
        if isinstance(excinfo.value, GradeSetupError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


class GradeItem(pytest.Item):
    """One kata case; it passes or fails from the grader's verdict."""

    def __init__(self, *, hidden: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hidden = hidden

    def runtest(self) -> None:
        result = self.config.stash[_SESSION].result()
        case = next((c for c in result.cases if c.name == self.name), None)
        if case is None:
            raise GradeSetupError(f"case {self.name} is missing from the grading result")
        if case.status != "passed":
            if not self.hidden:
                _add_captured(self, result)
            raise CaseFailed(case)

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
    ) -> Any:
        if isinstance(excinfo.value, CaseFailed):
            session = self.config.stash[_SESSION]
            return failure_text(session.result(), excinfo.value.case, session.explained)
        if isinstance(excinfo.value, GradeSetupError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"case {self.name}" + (" (hidden)" if self.hidden else "")


def failure_text(result: Result, case: CaseResult, explained: set[str] | None = None) -> str:
    """The grader's text for one case and the diagnoses about it (no data for hidden cases).

    A diagnosis already explained under an earlier case gets its headline only.
    """
    from normkatas.render.text import case_text

    return case_text(result, case, explained=explained).rstrip("\n")


def _add_captured(item: pytest.Item, result: Result) -> None:
    from normkatas.render._sanitize import clean

    for stream, captured in (("stdout", result.stdout), ("stderr", result.stderr)):
        if captured.text:
            item.add_report_section("call", f"submission {stream}", clean(captured.text))


def _display(config: pytest.Config, target: Path) -> str:
    try:
        return str(target.relative_to(config.invocation_params.dir))
    except ValueError:
        return str(target)
