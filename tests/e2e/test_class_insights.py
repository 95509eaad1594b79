"""Class insights on a class folder built from the corpus, graded by the real `grade` command.

Planted: two students with the same code (the second renamed every variable
and reformatted the file), two students with different right solutions, a
mistake only one case catches, and a file for no kata.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.support import REPO
from tests.support.batch import require_pipeline, run_grade
from tests.support.class_folder import COINCIDENCE, COPIED, NO_KATA, SUBTLE, SUBTLE_CASE, build

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    require_pipeline()
    root = tmp_path_factory.mktemp("class")
    files = build(root / "class")
    proc = run_grade([root / "class", "--out", root / "out", "--jobs", "2"], timeout=600)
    assert proc.returncode == 1, proc.stderr
    return root, files


def _summary(out: Path) -> dict:
    return json.loads((out / "class-summary.json").read_text(encoding="utf-8"))


def test_the_copies_are_flagged_and_the_right_answers_are_not(graded) -> None:
    root, _ = graded
    summary = _summary(root / "out")
    similar = summary["insights"]["similar"]
    assert [set(s["students"]) for s in similar] == [{COPIED[0], COPIED[1]}]
    (flag,) = similar
    assert len(flag["cases"]) >= 10 and flag["hidden_cases"] >= 1 and flag["fingerprint"]
    status = {s["student"]: s["status"] for s in summary["students"]}
    assert status[COINCIDENCE[0]] == status[COINCIDENCE[1]] == "passed"
    flagged = {name for s in similar for name in s["students"]}
    assert not any(status[name] == "passed" for name in flagged)
    html = (root / "out" / "class-report.html").read_text(encoding="utf-8")
    assert "never a verdict" in html and f'href="#student-{COPIED[1]}"' in html


def test_clusters_difficulty_and_counts(graded) -> None:
    root, files = graded
    summary = _summary(root / "out")
    insights = summary["insights"]
    clusters = {tuple(c["diagnoses"]): c for c in insights["clusters"]}
    copied = clusters[("gamma-beta-swapped", "unbiased-variance")]
    assert set(copied["students"]) == {COPIED[0], COPIED[1]}
    assert copied["representative"] in copied["keys"]
    only = {d["case"]: d["only"] for d in insights["difficulty"] if d["only"]}
    assert only == {SUBTLE_CASE: [SUBTLE[0]]}
    # every file of the folder is counted: graded, or listed with no kata
    assert summary["submissions"] + summary["unmatched"] == len(files)
    assert summary["unmatched"] == 1
    html = (root / "out" / "class-report.html").read_text(encoding="utf-8")
    files_card = re.search(r'class="card">files<b>(\d+)</b>', html)
    assert files_card and int(files_card.group(1)) == len(files)
    assert "no kata<b>1</b>" in html and NO_KATA[0] in html
    assert f'href="#student-{copied["representative"]}"' in html


def test_regrade_after_a_kata_changed(graded, tmp_path: Path) -> None:
    root, _ = graded
    out = tmp_path / "out"
    shutil.copytree(root / "out", out)
    katas = tmp_path / "katas"
    katas.mkdir()
    spec = (REPO / "katas" / "batchnorm-bchw.yaml").read_text(encoding="utf-8")
    # the tiny-variance case gets a loose tolerance; single-sample is worth 5 points
    spec = spec.replace("  - name: tiny-and-constant-channels\n    points: 2\n",
                        "  - name: tiny-and-constant-channels\n    points: 2\n"
                        "    tolerance: {rtol: 0.5, atol: 0.5}\n", 1)
    spec = spec.replace("  - name: single-sample\n    points: 2\n",
                        "  - name: single-sample\n    points: 5\n", 1)
    assert "rtol: 0.5" in spec and "points: 5" in spec
    (katas / "batchnorm-bchw.yaml").write_text(spec, encoding="utf-8")
    proc = run_grade([root / "class", "--out", out, "--katas-dir", katas, "--jobs", "2"],
                     timeout=600)
    assert proc.returncode == 1, proc.stderr
    change = _summary(out)["insights"]["regrade"]
    by = {c["student"]: c for c in change["changes"]}
    assert by[SUBTLE[0]]["now_passing"] == [SUBTLE_CASE]
    assert by[SUBTLE[0]]["after"] > by[SUBTLE[0]]["before"]
    passing = by[COINCIDENCE[0]]
    assert [p["case"] for p in passing["points"]] == ["single-sample"]
    assert not passing["file_changed"]
    assert not any(c["kata"] == "layernorm-bchw" for c in change["changes"])
    html = (out / "class-report.html").read_text(encoding="utf-8")
    assert "Changed since the last run" in html and "single-sample worth 5 points (was 2)" in html
