"""The attack corpus, end to end: real hostile submissions (tests/security/hostile/) graded
by the real `grade` in every mode each attack targets, with outcomes asserted.

Modes: a single `grade FILE`, a class run followed by a run with `--resume`, and the
Gradescope template (classroom/gradescope/run_autograder) in a temporary
AUTOGRADER_ROOT.  Each world has a private kata whose hidden case carries marker values
(see tests/security/support.py).

Outcomes, never mechanisms:
- the attacker's score is what its values (zeros) earn, the classmates' are unchanged;
- no marker (hidden values, kata YAML, reference, the grader's environment) and no
  attacker's forgery reaches anything a student sees;
- `--format json` prints exactly one object;
- nothing of the run is still running once `grade` has exited;
- the exit code is the documented one (single: 1 failed; class: 1 not all passed;
  Gradescope: 0 with results.json written);
- the grader's own peak memory stays near a clean run's.

Where the sandbox core does not yet provide a protection, the test is
``xfail(strict=True)`` with the reason (see `CORE`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator

import pytest

from tests.security.support import (
    HOSTILE,
    RIGHT,
    RSS_HEADROOM_MB,
    WRONG,
    World,
    baseline,
    class_scores,
    is_root,
    leaks,
    one_json_object,
    student_visible_files,
    world,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="attacks walk /proc"),
]


@pytest.fixture
def w() -> Iterator[World]:
    with world() as w:
        yield w


# -- the three modes ------------------------------------------------------------------------


def single(w: World, attack: str, *extra: str) -> None:
    path = w.submission("mallory", HOSTILE / f"{attack}.py")
    run = w.grade_one(path, "--format", "json", *extra)
    assert not run.hung, "grade hung"
    assert not w.survivors(), "processes of the job outlived grade"
    assert run.returncode == 1, run.stderr[-3000:]
    data = one_json_object(run.stdout)
    assert data["score"] == baseline()["single"]
    assert not leaks(run.text()), leaks(run.text())
    assert run.rss_mb < baseline()["single_rss_mb"] + RSS_HEADROOM_MB


def single_report_file(w: World, attack: str) -> None:
    """`--format gradescope --output FILE`: the file holds what the values earn."""
    path = w.submission("mallory", HOSTILE / f"{attack}.py")
    report = w.root / "report.json"
    run = w.grade_one(path, "--format", "gradescope", "--output", report)
    assert not run.hung, "grade hung"
    assert not w.survivors(), "processes of the job outlived grade"
    assert run.returncode == 1, run.stderr[-3000:]
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["score"] == baseline()["gradescope"]
    assert not leaks(report.read_text(encoding="utf-8") + run.text())


def classroom(w: World, attack: str, copies: int = 1) -> None:
    w.submission("alice", RIGHT)
    w.submission("bob", WRONG)
    for n in range(copies):
        w.submission("mallory" if n == 0 else f"mallory{n}", HOSTILE / f"{attack}.py")
    first = w.grade_class()
    assert not first.hung, "the class run hung"
    assert not w.survivors(), "processes of a job outlived the class run"
    assert first.returncode == 1, first.stderr[-3000:]
    one_json_object(first.stdout)
    second = w.grade_class("--resume")
    assert not second.hung, "the resumed class run hung"
    assert not w.survivors(), "processes of a job outlived the resumed class run"
    assert second.returncode == 1, second.stderr[-3000:]
    summary = one_json_object(second.stdout)
    expected = dict(baseline()["class"])
    for n in range(1, copies):
        expected[f"mallory{n}"] = expected["mallory"]
    assert class_scores(w.out) == expected
    assert {s["student"]: s["score"] for s in summary["students"]} == expected
    seen = first.text() + second.text() + student_visible_files(w.out)
    assert not leaks(seen), leaks(seen)
    headroom = RSS_HEADROOM_MB * copies
    assert max(first.rss_mb, second.rss_mb) < baseline()["class_rss_mb"] + headroom


def gradescope(w: World, attack: str) -> None:
    run, data = w.autograder(HOSTILE / f"{attack}.py")
    assert not run.hung, "run_autograder hung"
    assert not w.survivors(), "processes of the job outlived run_autograder"
    assert run.returncode == 0, run.stderr[-3000:]
    assert data is not None, "no results.json"
    assert data["score"] == baseline()["gradescope"]
    assert not leaks(json.dumps(data)), leaks(json.dumps(data))


MODES = {"single": single, "report-file": single_report_file, "class": classroom,
         "gradescope": gradescope}

# Which attack targets which mode (each attack class of the issue).
ATTACKS = [
    ("forge_score", ["report-file", "class", "gradescope"]),
    ("daemon_escape", ["report-file", "class", "gradescope"]),
    ("patch_grader", ["single", "class", "gradescope"]),
    ("sabotage", ["class"]),
    ("copy_classmate", ["class"]),
    ("read_instructor", ["single", "class", "gradescope"]),
    ("leak_hidden", ["single", "gradescope"]),
    ("leak_hidden_later", ["single", "class", "gradescope"]),
    ("grader_proc", ["single", "class", "gradescope"]),
    ("sigstop", ["single", "class", "gradescope"]),
    ("giant_arrays", ["single", "gradescope"]),
]

# Protections the sandbox core does not provide yet: (attack, mode) -> why it fails.
CORE: dict[tuple[str, str], str] = {}


def _cases() -> list[object]:
    out: list[object] = []
    for attack, modes in ATTACKS:
        for mode in modes:
            reason = CORE.get((attack, mode))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            out.append(pytest.param(attack, mode, marks=marks, id=f"{attack}-{mode}"))
    return out


@pytest.mark.parametrize(("attack", "mode"), _cases())
def test_attack(w: World, attack: str, mode: str) -> None:
    MODES[mode](w, attack)


# -- attacks with outcomes of their own -----------------------------------------------------


def test_code_in_the_grader_does_not_change_the_next_grade(w: World) -> None:
    """After an attack on the package, an honest file still gets what it earns."""
    before = w.package_digest()
    single(w, "patch_grader")
    right = w.submission("alice", RIGHT)
    run = w.grade_one(right, "--format", "json")
    assert run.returncode == 0, run.stderr[-3000:] + run.stdout[-3000:]
    assert one_json_object(run.stdout)["status"] == "passed"
    assert not leaks(run.text())
    assert w.package_digest() == before


def test_the_job_sees_numpy_and_no_other_installed_package(w: World) -> None:
    """The grader's own dependencies and test tools are installed next to numpy: a job
    that lists that folder and imports what it finds gets numpy alone, so its values
    earn what zeros earn, and it prints nothing else it could see."""
    single(w, "installed_packages")
    path = w.submission("mallory", HOSTILE / "installed_packages.py")
    run = w.grade_one(path, "--format", "text", "--color", "never")
    printed = {word for word in run.stdout.split() if word.startswith("seen:")}
    assert "seen:numpy" in printed, run.stdout[-3000:]
    assert printed == {"seen:numpy"}, printed


def test_github_output_and_grader_streams(w: World) -> None:
    """$GITHUB_OUTPUT stays as the grader left it; nothing raw reaches its streams."""
    github_output = w.root / "github_output"
    github_output.write_text("")
    summary = w.root / "step_summary"
    summary.write_text("")
    path = w.submission("mallory", HOSTILE / "grader_proc.py")
    run = w.run([w.grade, path, "--kata", "batchnorm-bchw", "--katas-dir", w.katas,
                 "--format", "json"],
                env={"GITHUB_OUTPUT": str(github_output), "GITHUB_STEP_SUMMARY": str(summary),
                     "GITHUB_ACTIONS": "true"})
    assert run.returncode == 1, run.stderr[-3000:]
    one_json_object(run.stdout)
    assert github_output.read_text() == ""
    assert not leaks(run.text())
    assert not w.survivors()


def test_class_of_giant_arrays_keeps_the_grader_small(w: World) -> None:
    classroom(w, "giant_arrays", copies=3)


def test_class_run_on_a_full_disk(w: World) -> None:
    """The output folder on a small disk the attacker fills: every result that fits is
    written and right, each one that does not is named, and the exit code says so."""
    if not is_root():
        pytest.skip("mounting a small tmpfs needs root")
    import shutil
    import subprocess

    if shutil.which("unshare") is None:
        pytest.skip("no unshare")
    w.submission("alice", RIGHT)
    w.submission("bob", WRONG)
    w.submission("mallory", HOSTILE / "fill_disk.py")
    w.out.mkdir()
    script = (f"mount -t tmpfs -o size=2m,nr_inodes=400 nkfull '{w.out}' || exit 99; "
              f"'{w.grade}' '{w.cls}' --kata batchnorm-bchw --katas-dir '{w.katas}' "
              f"--out '{w.out}' --format json --jobs 2; status=$?; "
              f"cp -r '{w.out}' '{w.root}/kept'; exit $status")
    probe = subprocess.run(["unshare", "-m", "--propagation", "private", "true"],
                           capture_output=True)
    if probe.returncode != 0:
        pytest.skip("no mount namespaces here")
    run = w.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script])
    assert not run.hung
    assert not w.survivors()
    assert run.returncode in (1, 4), run.stderr[-3000:]
    summary = one_json_object(run.stdout)
    expected = baseline()["class"]
    assert {s["student"]: s["score"] for s in summary["students"]} == expected
    kept = class_scores(w.root / "kept")
    assert all(kept[k] == expected[k] for k in kept)
    if run.returncode == 4:
        assert "cannot write it" in run.stderr
    else:
        assert kept == expected


def test_resume_ignores_result_files_it_did_not_write(w: World) -> None:
    """A results/*.json forged (or edited) between runs is graded again, not trusted."""
    w.submission("alice", RIGHT)
    w.submission("mallory", HOSTILE / "zeros.py")
    first = w.grade_class()
    assert first.returncode == 1
    target = w.out / "results" / "mallory.json"
    data = json.loads(target.read_text())
    data.update(score=data["max_score"], status="passed")
    target.write_text(json.dumps(data))
    (w.out / "results" / "eve.json").write_text(json.dumps({**data, "student": "eve",
                                                             "key": "eve"}))
    second = w.grade_class("--resume")
    assert second.returncode == 1, second.stderr
    assert "graded again" in second.stderr
    scores = class_scores(w.out)
    assert scores["mallory"] == baseline()["class"]["mallory"]
    assert scores["alice"] == baseline()["class"]["alice"]
    summary = one_json_object(second.stdout)
    assert [s["student"] for s in summary["students"]] == ["alice", "mallory"]


def test_unprotected_platform_needs_the_flag_and_warns(w: World) -> None:
    w.submission("alice", RIGHT)
    refused = w.run([w.grade, w.cls, "--kata", "batchnorm-bchw", "--katas-dir", w.katas,
                     "--out", w.out], env={"NORMKATAS_UNPROTECTED": "1"})
    assert refused.returncode == 2
    assert "--allow-unprotected" in refused.stderr
    assert not (w.out / "results").exists()
    run = w.run([w.grade, w.cls, "--kata", "batchnorm-bchw", "--katas-dir", w.katas,
                 "--out", w.out, "--allow-unprotected"], env={"NORMKATAS_UNPROTECTED": "1"})
    assert run.returncode == 0, run.stderr + json.dumps(class_scores(w.out)) + "".join(
        p.read_text()[-2500:] for p in (w.out / "results").glob("*.json"))
    for text in (run.stdout, run.stderr, (w.out / "class-report.html").read_text(),
                 (w.out / "class-summary.json").read_text()):
        assert "without the sandbox" in text


def test_a_private_umask_still_grades(w: World) -> None:
    """Operators often run with umask 077: a right answer still passes."""
    right = w.submission("alice", RIGHT)
    run = w.run(["sh", "-c", 'umask 077; exec "$0" "$@"', w.grade, right, "--kata",
                 "batchnorm-bchw", "--katas-dir", w.katas, "--format", "json"])
    assert run.returncode == 0, run.stdout[-2000:]
    assert one_json_object(run.stdout)["status"] == "passed"
