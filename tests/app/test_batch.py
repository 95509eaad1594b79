"""Class grading through the real `grade` command: outputs, exit status, interruption, resume."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.support import REPO
from tests.support.batch import (
    CRASH,
    RIGHT_BN,
    SCRIPT_IN_MESSAGE,
    SYNTAX_ERROR,
    TIMEOUT,
    WRONG_LAYER_NORM,
    env,
    grade_command,
    require_pipeline,
    run_grade,
    write,
)

pytestmark = pytest.mark.slow

RIGHT_LN = (REPO / "solutions" / "layernorm_bchw.py").read_text(encoding="utf-8")


def _mixed_class(folder: Path) -> Path:
    write(folder / "alice.py", RIGHT_BN)
    write(folder / "bob" / "solution.py", WRONG_LAYER_NORM)
    write(folder / "bob" / "notes.py", "NOTES = 'no kata here'\n")
    write(folder / "carol.py", SYNTAX_ERROR)
    write(folder / "dan.py", TIMEOUT)
    write(folder / "erin.py", CRASH)
    write(folder / "mallory.py", SCRIPT_IN_MESSAGE)
    write(folder / "zed.py", "def something_else():\n    return 1\n")
    write(folder / "lena.py", RIGHT_LN)
    return folder


def _jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_mixed_class_grades_everyone_and_writes_every_output(tmp_path: Path) -> None:
    require_pipeline()
    folder = _mixed_class(tmp_path / "class")
    out = tmp_path / "out"
    proc = run_grade([folder, "--out", out, "--timeout", "2", "--jobs", "2"], cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "class summary: 7 submissions, 2 passed" in proc.stdout
    assert "1 unmatched" in proc.stdout

    records = {r["student"]: r for r in _jsonl(out / "results.jsonl")}
    assert set(records) == {"alice", "bob", "carol", "dan", "erin", "mallory", "lena"}
    status = {name: r["status"] for name, r in records.items()}
    assert status == {"alice": "passed", "bob": "failed", "carol": "error", "dan": "error",
                      "erin": "error", "mallory": "error", "lena": "passed"}
    assert records["lena"]["kata"] == "layernorm-bchw"
    kinds = {name: {c["error"]["kind"] for c in r["cases"] if c.get("error")}  # type: ignore[attr-defined]
             for name, r in records.items()}
    assert "syntax-error" in kinds["carol"] and "timeout" in kinds["dan"]
    assert "crashed" in kinds["erin"]
    assert records["bob"]["diagnoses"], "a failing submission is diagnosed"
    for name in records:
        single = json.loads((out / "results" / f"{name}.json").read_text(encoding="utf-8"))
        assert single["student"] == name and len(single["sha256"]) == 64

    rows = list(csv.DictReader((out / "gradebook.csv").read_text(encoding="utf-8").splitlines()))
    assert {r["student"]: r["status"] for r in rows} == {**status, "zed": "unmatched"}
    summary = json.loads((out / "class-summary.json").read_text(encoding="utf-8"))
    assert {s["student"]: s["error"] for s in summary["students"] if s["error"]} == {
        "carol": "syntax-error", "dan": "timeout", "erin": "crashed", "mallory": "exception"}
    assert [i["file"] for i in summary["ignored"]] == [str(folder / "bob" / "notes.py")]

    html = (out / "class-report.html").read_text(encoding="utf-8")
    assert "<script" not in html and "&lt;script&gt;" in html
    assert 'href="#student-mallory"' in html and 'id="student-mallory"' in html


def test_passing_class_exits_zero_and_prints_json(tmp_path: Path) -> None:
    require_pipeline()
    write(tmp_path / "class" / "ann.py", RIGHT_BN)
    write(tmp_path / "class" / "ben" / "solution.py", RIGHT_BN)
    proc = run_grade([tmp_path / "class", "--format", "json"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert (data["submissions"], data["passed"]) == (2, 2)
    assert [s["student"] for s in data["students"]] == ["ann", "ben"]
    assert data["katas"][0]["cases"][0]["rate"] == 1.0


def test_several_files_and_separate_output_options(tmp_path: Path) -> None:
    require_pipeline()
    a = write(tmp_path / "ann.py", RIGHT_BN)
    b = write(tmp_path / "bo.py", WRONG_LAYER_NORM)
    proc = run_grade([a, b, "--gradebook", tmp_path / "g.csv", "--jsonl", tmp_path / "r.jsonl",
                      "--class-report", tmp_path / "r.html", "--output", tmp_path / "s.txt"],
                     cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""
    assert "class summary: 2 submissions, 1 passed, 1 failed" in (tmp_path / "s.txt").read_text()
    assert [r["student"] for r in _jsonl(tmp_path / "r.jsonl")] in (["ann", "bo"], ["bo", "ann"])
    assert (tmp_path / "g.csv").read_text().startswith("student,file,kata,status")
    assert (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    "args", [["--format", "junit"], ["--resume"], ["--jobs", "-2"]],
    ids=["format", "resume", "jobs"],
)
def test_class_usage_errors_exit_2(tmp_path: Path, args: list[str]) -> None:
    write(tmp_path / "class" / "ann.py", RIGHT_BN)
    proc = run_grade([tmp_path / "class", *args], cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("grade: error:")


SLOW_RIGHT = RIGHT_BN + "\n\nimport time\n\ntime.sleep(0.4)\n"


@pytest.mark.parametrize(
    ("signum", "jobs"), [(signal.SIGINT, "1"), (signal.SIGTERM, "2")], ids=["SIGINT", "SIGTERM"]
)
def test_interrupted_run_keeps_results_and_resume_finishes_it(
    tmp_path: Path, signum: signal.Signals, jobs: str
) -> None:
    require_pipeline()
    folder = tmp_path / "class"
    students = [f"s{i}" for i in range(8)]
    for name in students:
        write(folder / f"{name}.py", SLOW_RIGHT)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [*grade_command(), str(folder), "--out", str(out), "--jobs", jobs],
        cwd=tmp_path, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        stdin=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while len(list((out / "results").glob("*.json"))) < 2:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no result was written"
            time.sleep(0.05)
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "--resume" in stderr

    done = sorted(p.stem for p in (out / "results").glob("*.json"))
    assert 2 <= len(done) < len(students)
    assert sorted(str(r["student"]) for r in _jsonl(out / "results.jsonl")) == done
    summary = json.loads((out / "class-summary.json").read_text(encoding="utf-8"))
    assert summary["interrupted"] is True and summary["pending"] == len(students) - len(done)
    assert "was interrupted" in (out / "class-report.html").read_text(encoding="utf-8")
    kept_mtime = {name: (out / "results" / f"{name}.json").stat().st_mtime_ns for name in done}

    changed = done[0]
    write(folder / f"{changed}.py", SLOW_RIGHT + "# edited after the first run\n")
    again = run_grade([folder, "--out", out, "--resume", "--jobs", "2"], cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    summary = json.loads((out / "class-summary.json").read_text(encoding="utf-8"))
    assert summary["passed"] == len(students) and summary["interrupted"] is False
    resumed = {s["student"] for s in summary["students"] if s["resumed"]}
    assert resumed == set(done) - {changed}
    for name in resumed:
        assert (out / "results" / f"{name}.json").stat().st_mtime_ns == kept_mtime[name]
    assert sorted(str(r["student"]) for r in _jsonl(out / "results.jsonl")) == students
    assert os.path.getsize(out / "gradebook.csv") > 0
