"""The Gradescope template checks the grader's work: results.json only from a finished,
well-formed report of a grader that exited normally (no real grading here: a stand-in
`grade` plays a grader that was subverted)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from tests.security.support import REPO, is_root

TEMPLATE = REPO / "classroom" / "gradescope"
GOOD = {"score": 2.0, "tests": [{"name": "a", "score": 2.0, "max_score": 2.0},
                                {"name": "b", "score": 0.0, "max_score": 3.0}]}


def _run(tmp_path: Path, report: object, status: int) -> tuple[int, dict[str, object]]:
    root = tmp_path / "ag"
    (root / "submission").mkdir(parents=True)
    (root / "submission" / "solution.py").write_text("def f():\n    pass\n")
    shutil.copytree(TEMPLATE, root / "source")
    (root / "source" / "katas").mkdir()
    (root / "source" / "katas" / "secret.yaml").write_text("id: secret\n")
    fake = tmp_path / "grade"
    text = report if isinstance(report, str) else json.dumps(report)
    fake.write_text(
        "#!/bin/sh\n"
        'while [ "$#" -gt 0 ]; do [ "$1" = --output ] && out="$2"; shift; done\n'
        f"cat > \"$out\" <<'EOF'\n{text}\nEOF\n"
        f"exit {status}\n"
    )
    fake.chmod(0o755)
    proc = subprocess.run(
        [str(root / "source" / "run_autograder")],
        env={**os.environ, "AUTOGRADER_ROOT": str(root), "GRADE": str(fake)},
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    if is_root():
        assert stat.S_IMODE((root / "source" / "katas").stat().st_mode) & 0o077 == 0
        info = (root / "results").stat()
        assert info.st_uid == 0 and stat.S_IMODE(info.st_mode) & 0o022 == 0
    return proc.returncode, results


def test_a_finished_report_becomes_results_json(tmp_path: Path) -> None:
    _, results = _run(tmp_path, GOOD, 1)
    assert results == GOOD


@pytest.mark.parametrize(("report", "status"), [
    (GOOD, 3),  # the grader failed (or was killed) whatever it left behind
    (GOOD, 137),
    ({**GOOD, "score": 99.0}, 0),  # a score the tests do not add up to
    ({"score": 99.0, "tests": []}, 0),  # no tests
    ({**GOOD, "tests": [{"name": "a", "score": 9.0, "max_score": 2.0}]}, 0),
    ("{\"score\": 2.0, \"tests\": [] } {\"score\": 99}", 0),  # two objects
    ("not json", 1),
], ids=["exit-3", "killed", "inflated", "no-tests", "over-max", "two-objects", "garbage"])
def test_a_forged_or_unfinished_report_gives_no_score(
    tmp_path: Path, report: object, status: int
) -> None:
    _, results = _run(tmp_path, report, status)
    assert results["score"] == 0.0
    assert results["tests"] == []
    assert "instructor" in str(results["output"])
