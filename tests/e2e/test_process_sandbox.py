"""The real `grade` command on the process sandbox (Windows' sandbox, selected on Linux by
``NORMKATAS_SANDBOX_MODE=process``): the same reports as the fork server's, and the
operator's one line where it belongs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.e2e.conftest import REPO, run_grade

pytestmark = pytest.mark.slow

CORPUS = REPO / "tests" / "corpus" / "batchnorm-bchw"
RIGHT = CORPUS / "right_einsum.py"
WRONG = CORPUS / "wrong_epsilon_outside_sqrt.py"
PROCESS = {"NORMKATAS_SANDBOX_MODE": "process"}
STUDENT = {"CI": "", "GITHUB_ACTIONS": ""}
"""Not in CI (a student's own run): no operator line, even in CI (as root it still shows)."""


def _report(path: Path, env: dict[str, str]) -> tuple[dict[str, object], str, int]:
    proc = run_grade([path, "--kata", "batchnorm-bchw", "--format", "json"], env=env)
    return json.loads(proc.stdout), proc.stderr, proc.returncode


def _without_timings(report: object) -> object:
    """The report without what a clock measured (durations, the timing comparison)."""
    if isinstance(report, dict):
        return {k: _without_timings(v) for k, v in report.items()
                if k not in ("timing", "performance") and not k.endswith("_ms")}
    if isinstance(report, list):
        return [_without_timings(v) for v in report]
    return report


@pytest.mark.parametrize("path", [RIGHT, WRONG], ids=["right", "wrong"])
def test_the_same_report_as_the_fork_server(path: Path) -> None:
    process, process_err, process_code = _report(path, {**PROCESS, **STUDENT})
    fork, _fork_err, fork_code = _report(path, {"NORMKATAS_SANDBOX_MODE": "fork", **STUDENT})
    assert process_code == fork_code == (0 if path == RIGHT else 1)
    assert _without_timings(process) == _without_timings(fork)
    if path == WRONG:
        assert process["diagnoses"], process
    for line in process_err.splitlines():  # as root (CI) the operator's line, and only it
        assert line.startswith("grade: note: on Linux (process sandbox), student code runs:")
    assert "process sandbox" not in json.dumps(process)


def test_the_operator_line_is_one_line_on_stderr_only() -> None:
    proc = run_grade([WRONG, "--kata", "batchnorm-bchw", "--format", "json",
                      "--show-protections"], env=PROCESS)
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("grade: note: on Linux (process sandbox), student code runs: "
                                  "without a separate identity")
    assert "identity" not in json.dumps(report)
    quiet = run_grade([WRONG, "--kata", "batchnorm-bchw", "--no-show-protections"],
                      env=PROCESS)
    assert quiet.returncode == 1 and quiet.stderr == ""


def test_a_class_on_the_process_sandbox_needs_the_flag_and_warns_once(tmp_path: Path) -> None:
    submissions = tmp_path / "class"
    submissions.mkdir()
    shutil.copy(RIGHT, submissions / "alice.py")
    shutil.copy(WRONG, submissions / "bob.py")
    out = tmp_path / "out"
    refused = run_grade([submissions, "--kata", "batchnorm-bchw", "--out", out], env=PROCESS)
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "--allow-unprotected" in refused.stderr
    run = run_grade([submissions, "--kata", "batchnorm-bchw", "--out", out,
                     "--allow-unprotected", "--format", "json"], env=PROCESS)
    assert run.returncode == 1, run.stderr
    warned = [line for line in run.stderr.splitlines() if "process sandbox" in line]
    assert len(warned) == 1 and warned[0].startswith("grade: warning: on Linux (process "
                                                     "sandbox), student code ran: without")
    summary = json.loads(run.stdout)
    assert {s["student"]: s["status"] for s in summary["students"]} == {
        "alice": "passed", "bob": "failed"}
    assert "without the sandbox" in (out / "class-report.html").read_text()
    for result in (out / "results").glob("*.json"):
        assert "process sandbox" not in result.read_text()
