"""Hidden cases the student's code could read are refused, not graded.

Where the sandbox cannot hide the instructor's files (no filesystem view: a
kernel that refuses ``pivot_root``, simulated with
``NORMKATAS_SANDBOX_ISOLATION=no-view``), what keeps them secret is the file
permissions against the job's own uid.  A grader that would grade hidden cases
from files the job could read says so and stops (exit 2) with the fix; after the
fix the same attack earns what its values earn.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

from tests.security.support import (
    HOSTILE,
    KATA,
    RIGHT,
    World,
    baseline,
    is_root,
    leaks,
    one_json_object,
    world,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux sandbox"),
]

NO_VIEW = {"NORMKATAS_SANDBOX_ISOLATION": "no-view"}


@pytest.fixture
def w() -> Iterator[World]:
    with world() as w:
        yield w


def _open_instructor_folder(w: World) -> None:
    """As many operators leave it: readable by everyone."""
    for path in [w.instructor, *w.instructor.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def test_a_single_root_grade_refuses_readable_hidden_cases_then_grades_once_fixed(
    w: World,
) -> None:
    if not is_root():
        pytest.skip("a single grade keeps hidden cases secret when it runs as root")
    _open_instructor_folder(w)
    path = w.submission("mallory", HOSTILE / "read_instructor.py")
    argv: list[str | os.PathLike[str]] = [
        w.grade, path, "--kata", KATA, "--katas-dir", w.katas, "--format", "json"]
    refused = w.run(argv, env=NO_VIEW)
    assert refused.returncode == 2, refused.stderr[-3000:]
    assert refused.stdout == ""
    assert "chmod -R go-rwx" in refused.stderr
    assert not leaks(refused.text())
    assert not w.survivors()

    w.instructor.chmod(0o700)  # the fix the message gives, for the folder above both
    run = w.run(argv, env=NO_VIEW)
    assert run.returncode == 1, run.stderr[-3000:]
    assert one_json_object(run.stdout)["score"] == baseline()["single"]
    assert not leaks(run.text())
    assert not w.survivors()


def test_allow_unprotected_grades_anyway_and_says_so(w: World) -> None:
    if not is_root():
        pytest.skip("a single grade keeps hidden cases secret when it runs as root")
    _open_instructor_folder(w)
    path = w.submission("alice", RIGHT)
    run = w.run([w.grade, path, "--kata", KATA, "--katas-dir", w.katas, "--format", "json",
                 "--allow-unprotected"], env=NO_VIEW)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "could read" in run.stderr
    assert one_json_object(run.stdout)["status"] == "passed"


def test_a_class_run_refuses_readable_hidden_cases(w: World) -> None:
    _open_instructor_folder(w)
    w.submission("alice", RIGHT)
    w.submission("mallory", HOSTILE / "read_instructor.py")
    run = w.run([w.grade, w.cls, "--kata", KATA, "--katas-dir", w.katas, "--out", w.out,
                 "--format", "json"], env=NO_VIEW)
    assert run.returncode == 2, run.stderr[-3000:]
    assert not (w.out / "results").exists()
    assert not leaks(run.text())
    assert not w.survivors()
    # As root the job's own uid is kept out by permissions; without root the job runs as
    # the grading user and only the view could hide the files.
    assert ("chmod -R go-rwx" if is_root() else "grade as root") in run.stderr


def test_with_the_view_the_same_open_folder_is_out_of_sight(w: World) -> None:
    """The default: the view hides the instructor's folder whatever its permissions."""
    _open_instructor_folder(w)
    w.submission("alice", RIGHT)
    w.submission("mallory", HOSTILE / "read_instructor.py")
    run = w.grade_class()
    assert run.returncode == 1, run.stderr[-3000:]
    summary = one_json_object(run.stdout)
    scores = {s["student"]: s["score"] for s in summary["students"]}
    assert scores == {k: v for k, v in baseline()["class"].items() if k in scores}
    assert not leaks(run.text())
