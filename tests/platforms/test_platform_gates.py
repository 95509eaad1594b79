"""Every student's computer: the platform gate, simulated (sys.platform and os patched).

- Windows grades with the process sandbox (a fresh interpreter per job, killed
  as a tree): `grade FILE`, ``--format json`` and the pytest plugin all work,
  here on Linux with ``sys.platform`` patched (the sandbox's own choice of
  system calls is made at import, so the real process backend runs).
- Where no sandbox can run (no processes at all), `grade` exits 2 with one
  sentence, never an internal error.
- What this machine protects is one `Machine`, rendered as one line for the
  operator: on stderr for a single `grade FILE` only when the code is not the
  operator's own (root, CI, ``--show-protections``); in a class run's outputs;
  never in a student's report.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import pytest

import normkatas.sandbox.process  # noqa: F401  (imported as this system: see above)
from normkatas.app import platform as gate
from normkatas.app.cli import main
from normkatas.app.exits import EXIT_FAILED, EXIT_USAGE
from normkatas.app.student_view import student_result
from normkatas.errors import UsageError
from normkatas.render import FORMATS, render
from normkatas.report.result import Result
from normkatas.sandbox.client import SandboxError, resolve_mode
from normkatas.sandbox.isolation import Protections

KATA_WARNING = "the kata file declares no probe case; the diagnosis used the first example"
ARGS = argparse.Namespace(reveal=None, reveal_policy=None, attempt=None,
                          submission_metadata=None, show_protections=None)


def _simulate(monkeypatch: pytest.MonkeyPatch, platform: str, *, fork: bool) -> None:
    monkeypatch.setattr(sys, "platform", platform)
    if not fork:
        monkeypatch.delattr(os, "fork", raising=False)


def _own_code(monkeypatch: pytest.MonkeyPatch) -> None:
    """A student at their own computer: not root, not in CI."""
    monkeypatch.setattr(os, "geteuid", lambda: 1000, raising=False)
    for name in gate.CI_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("NORMKATAS_SANDBOX_MODE", raising=False)
    monkeypatch.delenv(gate.UNPROTECTED_VAR, raising=False)


@pytest.fixture
def solution(tmp_path: Path) -> Path:
    path = tmp_path / "my_solution.py"
    path.write_text("def batch_normalization(X, gamma, beta, epsilon=1e-5):\n    return X\n",
                    encoding="utf-8")
    return path


# -- which sandbox each system gets -------------------------------------------------------


def test_windows_gets_the_process_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    _own_code(monkeypatch)
    _simulate(monkeypatch, "win32", fork=False)
    assert resolve_mode("auto") == ("process", [])
    for mode in ("fork", "spawn"):
        with pytest.raises(SandboxError, match="needs fork"):
            resolve_mode(mode)  # type: ignore[arg-type]
    found = gate.require_grading_support()
    assert (found.system, found.mode) == ("Windows", "process")
    assert found.missing == gate.PROTECTION_KEYS and not found.separate_identity
    assert found.shortfalls == ("no file-size limit",)


@pytest.mark.parametrize(("platform", "mode"), [("linux", "fork"), ("darwin", "spawn")])
def test_posix_systems_keep_the_fork_server(
    monkeypatch: pytest.MonkeyPatch, platform: str, mode: str
) -> None:
    import normkatas.sandbox.client as client

    _own_code(monkeypatch)
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setattr(client, "IS_LINUX", platform == "linux")
    monkeypatch.setattr("threading.active_count", lambda: 1)  # as `grade` starts: one thread
    assert resolve_mode("auto")[0] == mode
    assert resolve_mode("process")[0] == "process"  # asked for: Linux runs Windows' backend
    monkeypatch.setenv("NORMKATAS_SANDBOX_MODE", "process")
    assert resolve_mode("auto")[0] == "process"


@pytest.mark.parametrize("fmt", ["text", "json", "gradescope", "classroom"])
def test_where_no_sandbox_can_run_grade_exits_2_with_a_sentence(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], solution: Path,
    fmt: str,
) -> None:
    _simulate(monkeypatch, "emscripten", fork=False)
    assert main([str(solution), "--format", fmt]) == EXIT_USAGE
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("grade: error: cannot run student code safely on emscripten: "
                               "the sandbox needs to start processes")
    assert "internal error" not in err and "Traceback" not in err


def test_a_fork_mode_asked_for_on_windows_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], solution: Path
) -> None:
    _simulate(monkeypatch, "win32", fork=False)
    assert main([str(solution), "--isolation", "fork"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("grade: error: cannot run student code safely on Windows: the fork")
    assert len(err.strip().splitlines()) == 1


def test_the_gate_asks_the_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the sandbox learns a platform, the gate lets it through: no list of our own."""
    import normkatas.sandbox.client as client

    _own_code(monkeypatch)
    _simulate(monkeypatch, "emscripten", fork=False)
    monkeypatch.setattr(client, "resolve_mode", lambda mode: ("process", []))
    found = gate.require_grading_support()
    assert found.system == "emscripten" and found.mode == "process"


# -- grading on a simulated Windows: the real process backend ------------------------------


@pytest.mark.slow
def test_a_student_grades_on_windows_and_sees_no_operator_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], solution: Path
) -> None:
    _own_code(monkeypatch)
    _simulate(monkeypatch, "win32", fork=False)
    assert main([str(solution), "--format", "json"]) == EXIT_FAILED
    out, err = capsys.readouterr()
    report = json.loads(out)  # exactly one object
    assert report["status"] == "failed" and report["score"] < report["max_score"]
    assert err == ""
    assert "Windows" not in out and "identity" not in out


@pytest.mark.slow
def test_an_operator_on_windows_gets_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], solution: Path
) -> None:
    _own_code(monkeypatch)
    monkeypatch.setenv("CI", "true")
    _simulate(monkeypatch, "win32", fork=False)
    assert main([str(solution)]) == EXIT_FAILED
    out, err = capsys.readouterr()
    assert err.count("\n") == 1, err
    assert err.startswith("grade: note: on Windows (process sandbox), student code runs: "
                          "without a separate identity, a pid namespace")
    assert "no file-size limit" in err
    assert "Windows" not in out and "identity" not in out


def test_a_class_on_windows_needs_the_flag_and_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _own_code(monkeypatch)
    _simulate(monkeypatch, "win32", fork=False)
    found = gate.machine()
    with pytest.raises(UsageError) as refused:
        gate.class_gate(found, allow_unprotected=False)
    message = str(refused.value)
    assert "--allow-unprotected" in message and "docker run" in message
    assert "\n" not in message
    warnings = gate.class_gate(found, allow_unprotected=True)
    assert len(warnings) == 1 and "\n" not in warnings[0]
    assert warnings[0].startswith("on Windows (process sandbox), student code ran: without")
    assert "without the sandbox's protections" in warnings[0]


# -- the one model, the one line --------------------------------------------------------


def test_linux_hardened_has_nothing_to_say(monkeypatch: pytest.MonkeyPatch) -> None:
    _own_code(monkeypatch)
    monkeypatch.setattr(sys, "platform", "linux")
    hardened = Protections(identity="separate-uid", pid_namespace=True, filesystem_view=True,
                           network=True, ipc=True, private_scratch=True, no_new_privs=True)
    found = gate.with_sandbox(gate.Machine(system="Linux", mode="fork"), hardened)
    assert found.complete and gate.protection_line(found) is None
    assert gate.class_gate(found, allow_unprotected=False) == []


def test_linux_without_namespaces_names_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(gate, "_in_container", lambda: False)
    partial = Protections(identity="separate-uid", no_new_privs=True, private_scratch=True,
                          notes=("unshare(CLONE_NEWNS) refused: EPERM",))
    found = gate.with_sandbox(gate.Machine(system="Linux", mode="fork"), partial)
    assert found.separate_identity and not found.complete
    [warning] = gate.class_gate(found, allow_unprotected=False)  # allowed: it has an identity
    assert warning == ("on Linux (fork sandbox), student code ran: without a pid namespace, "
                       "a filesystem view, network isolation, IPC isolation "
                       "(unshare(CLONE_NEWNS) refused: EPERM)")
    no_identity = gate.with_sandbox(found, Protections())
    with pytest.raises(UsageError):
        gate.class_gate(no_identity, allow_unprotected=False)


def test_a_class_run_asks_linux_for_user_namespaces_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _own_code(monkeypatch)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(gate, "_user_namespaces_work", lambda: False)
    assert gate.machine("fork").missing == ()  # a single grade: the sandbox will say
    found = gate.machine("fork", probe=True)
    assert found.missing == gate.PROTECTION_KEYS
    assert found.notes == ("this Linux does not allow unprivileged user namespaces",)
    with pytest.raises(UsageError, match="user namespaces"):
        gate.class_gate(found, allow_unprotected=False)
    monkeypatch.setattr(gate, "_user_namespaces_work", lambda: True)
    assert gate.machine("fork", probe=True).missing == ()


def test_the_unprotected_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    _own_code(monkeypatch)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv(gate.UNPROTECTED_VAR, "1")
    found = gate.machine()
    assert found.missing == gate.PROTECTION_KEYS
    assert "NORMKATAS_UNPROTECTED is set" in (gate.protection_line(found) or "")
    assert gate.with_sandbox(found, Protections(identity="separate-uid")) == found


@pytest.mark.parametrize(
    ("platform", "system", "shortfalls"),
    [("linux", "Linux", 0), ("darwin", "macOS", 2), ("win32", "Windows", 1)],
)
def test_what_each_system_cannot_enforce(
    monkeypatch: pytest.MonkeyPatch, platform: str, system: str, shortfalls: int
) -> None:
    monkeypatch.setattr(sys, "platform", platform)
    assert gate.system_name() == system
    assert len(gate.shortfalls()) == shortfalls
    assert len(gate.shortfalls(mode="process")) == max(shortfalls, 1)


@pytest.mark.parametrize(
    ("euid", "env", "flag", "shown"),
    [
        (1000, {}, None, False),
        (0, {}, None, True),
        (1000, {"CI": "true"}, None, True),
        (1000, {"GITHUB_ACTIONS": "true"}, None, True),
        (1000, {"CI": "0"}, None, False),
        (1000, {}, True, True),
        (0, {"CI": "true"}, False, False),
    ],
)
def test_whose_code_is_graded(
    monkeypatch: pytest.MonkeyPatch, euid: int, env: dict[str, str], flag: bool | None,
    shown: bool,
) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: euid, raising=False)
    assert gate.grading_others(flag, environ=env) is shown


def _sandbox_warnings_on_macos(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sandbox's real warnings on a simulated macOS without the rlimits."""
    from normkatas.sandbox import limits
    from normkatas.sandbox.types import Limits

    monkeypatch.setattr(limits, "IS_LINUX", False)
    monkeypatch.setattr(limits, "IS_MACOS", True)
    monkeypatch.setattr(limits, "resource", None)  # nothing is set on this process
    return limits.apply_limits(Limits())


def _macos_result(monkeypatch: pytest.MonkeyPatch) -> tuple[Result, gate.Machine]:
    machine_notes = _sandbox_warnings_on_macos(monkeypatch)
    assert any("macOS" in w for w in machine_notes)
    assert all(gate.is_operator_warning(w) for w in machine_notes), machine_notes
    found = gate.Machine(system="macOS", mode="spawn", missing=gate.PROTECTION_KEYS,
                         shortfalls=gate.shortfalls("darwin"))
    result = Result(kata="k", submission="s.py", status="passed", score=1, max_score=1,
                    warnings=[*machine_notes, KATA_WARNING])
    return result, found


def test_on_macos_a_student_grading_their_code_sees_nothing_of_the_machine(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _own_code(monkeypatch)
    result, found = _macos_result(monkeypatch)
    shown = student_result(ARGS, result, found)
    assert shown.warnings == [KATA_WARNING]
    for fmt in FORMATS:
        text = render(shown, fmt)
        assert "RLIMIT" not in text and "macOS" not in text, fmt
    assert capsys.readouterr().err == ""


def test_on_macos_the_operator_gets_the_notes_once_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _own_code(monkeypatch)
    result, found = _macos_result(monkeypatch)
    args = argparse.Namespace(**{**vars(ARGS), "show_protections": True})
    shown = student_result(args, result, found)
    assert shown.warnings == [KATA_WARNING]
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("grade: note: on macOS (spawn sandbox), student code runs: without a "
                          "separate identity")
    assert "the memory limit is best effort" in err
    assert err.count("RLIMIT_AS") == 2, err  # once in the phrase, once in the list
    assert "not enforced: RLIMIT_AS, RLIMIT_DATA, RLIMIT_CPU" in err


def test_on_linux_nothing_is_printed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    found = gate.Machine(system="Linux", mode="fork")
    result = Result(kata="k", submission="s.py", status="passed", score=1, max_score=1)
    args = argparse.Namespace(**{**vars(ARGS), "show_protections": True})
    assert student_result(args, result, found) == result
    assert capsys.readouterr().err == ""


def test_how_the_sandbox_started_reaches_the_operator_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The fork servers' own notes (no subreaper here) join the one line, never the report."""
    monkeypatch.setattr(sys, "platform", "linux")
    found = gate.Machine(system="Linux", mode="fork")
    result = Result(kata="k", submission="s.py", status="passed", score=1, max_score=1)
    note = "could not become a child subreaper: daemons may escape clean-up"
    args = argparse.Namespace(**{**vars(ARGS), "show_protections": True})
    assert student_result(args, result, found, [note]) == result
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and note in err
    [line] = gate.class_gate(found, allow_unprotected=False, extra=[note])
    assert note in line


def test_the_readme_has_a_supported_platforms_table() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "## Supported platforms" in readme
    section = readme.split("## Supported platforms", 1)[1].split("\n## ", 1)[0]
    for system in ("Linux, hardened", "Linux without user namespaces", "macOS", "Windows",
                   "WSL"):
        assert f"| {system}" in section, system
    # What the table says about Windows is what the gate does.
    assert "process sandbox" in section and "Job Object" in section
    assert "--allow-unprotected" in section


pytest_plugins = ["pytester"]

REFUSING_SANDBOX = '''
import normkatas.sandbox.client as client


def _refuse(mode):
    raise client.SandboxError("the sandbox needs to start processes, which this system cannot")


client.resolve_mode = _refuse
'''


@pytest.mark.slow
def test_the_pytest_plugin_gives_a_usage_error_not_a_collection_error(
    pytester: pytest.Pytester,
) -> None:
    """Where the sandbox refuses, `pytest --normkatas-grade` says why."""
    pytester.makeconftest(REFUSING_SANDBOX)
    pytester.makepyfile(solution="def batch_normalization(X, gamma, beta, epsilon=1e-5):\n"
                                 "    return X\n")
    result = pytester.runpytest_subprocess("--normkatas-grade", "solution.py")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*cannot run student code safely on *: the sandbox needs*"])
    assert "Traceback" not in result.stderr.str()


@pytest.mark.slow
def test_the_pytest_plugin_grades_with_the_process_sandbox(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows' sandbox behind `pytest --normkatas-grade`: one item per case, verdicts kept."""
    monkeypatch.setenv("NORMKATAS_SANDBOX_MODE", "process")
    pytester.makepyfile(solution="def batch_normalization(X, gamma, beta, epsilon=1e-5):\n"
                                 "    return X\n")
    result = pytester.runpytest_subprocess("--normkatas-grade", "solution.py", "-q")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) >= 1 and "error" not in outcomes


def test_class_results_carry_no_notes_about_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """A class graded on macOS (--allow-unprotected): each student's result is about the
    code only; the class's one line says what the machine lacks."""
    from types import SimpleNamespace

    import normkatas.grading.prepare as prepare
    from normkatas.app.batch.run import ClassRun

    result, _found = _macos_result(monkeypatch)
    monkeypatch.setattr(prepare, "build_result", lambda *args, **kwargs: result)
    run = SimpleNamespace(opts=SimpleNamespace(diagnose=True))
    submission = SimpleNamespace(graded_path=Path("s.py"), display="s.py", notebook=None)
    built = ClassRun._build(run, None, submission, [])  # type: ignore[arg-type]
    assert built.warnings == [KATA_WARNING]


def test_grade_file_results_carry_no_notes_about_the_machine(
    monkeypatch: pytest.MonkeyPatch, solution: Path
) -> None:
    import normkatas.grading.prepare as prepare
    from normkatas.app.api import grade_file

    result, _found = _macos_result(monkeypatch)
    monkeypatch.setattr(prepare, "grade_submission", lambda *args, **kwargs: result)
    assert grade_file(solution).warnings == [KATA_WARNING]


def test_in_a_container_the_missing_flags_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(gate, "_in_container", lambda: True)
    partial = Protections(identity="separate-uid", no_new_privs=True, private_scratch=True)
    found = gate.with_sandbox(gate.Machine(system="Linux", mode="fork"), partial)
    [warning] = gate.class_gate(found, allow_unprotected=False)
    assert warning.endswith(f"in a container, give the grader {gate.CONTAINER_FLAGS}")
