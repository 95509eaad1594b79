"""Every student's computer: the platform gate, simulated (sys.platform and os patched).

Where the sandbox cannot isolate student code (its ``resolve_mode`` refuses),
`grade` exits 2 with one clear sentence, never an internal error; where it
can but the system lacks a protection (macOS does not enforce RLIMIT_AS),
one line on stderr says so, and the student's report carries none of it.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pytest

from normkatas.app import platform as gate
from normkatas.app.cli import main
from normkatas.app.exits import EXIT_USAGE
from normkatas.app.student_view import student_result
from normkatas.render import FORMATS, render
from normkatas.report.result import Result

KATA_WARNING = "the kata file declares no probe case; the diagnosis used the first example"


def _simulate(monkeypatch: pytest.MonkeyPatch, platform: str, *, fork: bool) -> None:
    monkeypatch.setattr(sys, "platform", platform)
    if not fork:
        monkeypatch.delattr(os, "fork", raising=False)


@pytest.fixture
def solution(tmp_path: Path) -> Path:
    path = tmp_path / "my_solution.py"
    path.write_text("def batch_normalization(X, gamma, beta, epsilon=1e-5):\n    return X\n",
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["text", "json", "gradescope", "classroom"])
def test_where_the_sandbox_cannot_run_grade_exits_2_with_a_sentence(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], solution: Path,
    fmt: str,
) -> None:
    _simulate(monkeypatch, "win32", fork=False)
    assert main([str(solution), "--format", fmt]) == EXIT_USAGE
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("grade: error: cannot run student code safely on Windows")
    assert "WSL" in lines[0]
    assert "internal error" not in err and "Traceback" not in err


def test_the_gate_asks_the_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the sandbox learns a platform, the gate lets it through: no list of our own."""
    import normkatas.sandbox.client as client

    _simulate(monkeypatch, "win32", fork=False)
    monkeypatch.setattr(client, "resolve_mode", lambda mode: ("spawn", []))
    support = gate.require_grading_support()
    assert support.system == "Windows" and support.mode == "spawn"


@pytest.mark.parametrize(
    ("platform", "system", "missing"),
    [("linux", "Linux", 0), ("darwin", "macOS", 3), ("win32", "Windows", 2)],
)
def test_missing_protections_per_system(
    monkeypatch: pytest.MonkeyPatch, platform: str, system: str, missing: int
) -> None:
    monkeypatch.setattr(sys, "platform", platform)
    assert gate.system_name() == system
    found = gate.missing_protections()
    if platform == "win32":  # and no resource module there
        monkeypatch.setitem(sys.modules, "resource", None)
        found = gate.missing_protections()
        assert any("no process limits" in m for m in found)
        missing += 1
    assert len(found) == missing
    note = gate.operator_note(gate.Support(system=system, mode="spawn", missing=found))
    assert (note is None) is (missing == 0)
    if note is not None:
        assert "\n" not in note and note.startswith(f"grade: note: on {system}, ")


def _sandbox_warnings_on_macos(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sandbox's real warnings on a simulated macOS without the rlimits."""
    from normkatas.sandbox import limits
    from normkatas.sandbox.types import Limits

    monkeypatch.setattr(limits, "IS_LINUX", False)
    monkeypatch.setattr(limits, "IS_MACOS", True)
    monkeypatch.setattr(limits, "resource", None)  # nothing is set on this process
    return limits.apply_limits(Limits())


def test_macos_notes_leave_the_student_report_and_reach_stderr_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    machine = _sandbox_warnings_on_macos(monkeypatch)
    assert any("macOS" in w for w in machine)
    assert all(gate.is_operator_warning(w) for w in machine), machine
    support = gate.Support(system="macOS", mode="spawn",
                           missing=gate.missing_protections("darwin"))
    result = Result(kata="k", submission="s.py", status="passed", score=1, max_score=1,
                    warnings=[*machine, KATA_WARNING])
    args = argparse.Namespace(reveal=None, reveal_policy=None, attempt=None,
                              submission_metadata=None)
    shown = student_result(args, result, support)
    assert shown.warnings == [KATA_WARNING]
    for fmt in FORMATS:
        text = render(shown, fmt)
        assert "RLIMIT" not in text and "macOS" not in text, fmt
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("grade: note: on macOS, the memory limit is best effort")
    assert err.count("RLIMIT_AS") == 2, err  # once in the phrase, once in the list
    assert "not enforced: RLIMIT_AS, RLIMIT_DATA, RLIMIT_CPU" in err


def test_on_linux_nothing_is_printed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    support = gate.Support(system="Linux", mode="fork", missing=gate.missing_protections())
    result = Result(kata="k", submission="s.py", status="passed", score=1, max_score=1)
    args = argparse.Namespace(reveal=None, reveal_policy=None, attempt=None,
                              submission_metadata=None)
    assert student_result(args, result, support) == result
    assert capsys.readouterr().err == ""


def test_the_readme_has_a_supported_platforms_table() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "## Supported platforms" in readme
    section = readme.split("## Supported platforms", 1)[1].split("\n## ", 1)[0]
    for system in ("Linux", "macOS", "Windows"):
        assert f"| {system}" in section, system


pytest_plugins = ["pytester"]

REFUSING_SANDBOX = '''
import normkatas.sandbox.client as client


def _refuse(mode):
    raise client.SandboxError("the sandbox needs a POSIX system (Linux or macOS)")


client.resolve_mode = _refuse
'''


@pytest.mark.slow
def test_the_pytest_plugin_gives_a_usage_error_not_a_collection_error(
    pytester: pytest.Pytester,
) -> None:
    """Where the sandbox refuses (as on Windows), `pytest --normkatas-grade` says why."""
    pytester.makeconftest(REFUSING_SANDBOX)
    pytester.makepyfile(solution="def batch_normalization(X, gamma, beta, epsilon=1e-5):\n"
                                 "    return X\n")
    result = pytester.runpytest_subprocess("--normkatas-grade", "solution.py")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*cannot run student code safely on *: the sandbox needs*"])
    assert "Traceback" not in result.stderr.str()
