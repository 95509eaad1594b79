"""Sequence cases through the real `grade` and `grade check` commands: the bundled
layer kata (bn_param, cache, backward pass) and a kata of plain parameters whose
running statistics are returned by one call and passed to the next."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.e2e.conftest import REPO, run_grade
from tests.support import TESTS
from tests.support.snapshot import assert_snapshot

pytestmark = pytest.mark.slow

SNAPSHOTS = TESTS / "snapshots" / "e2e" / "sequences"
LAYER = TESTS / "corpus" / "batchnorm-layer"
TRAIN_EVAL = TESTS / "corpus" / "batchnorm-train-eval"
FIFTY_STEPS = """\
  - name: fifty-steps-then-evaluation
    points: 3
    note: >-
      Fifty training steps, each taking the running statistics the one before
      returned, then one evaluation call with the last of them.
    steps:
      - name: train
        repeat: 50
        carry: {running_mean: running_mean, running_var: running_var}
        args:
          x: {generate: normal, shape: [6, 3], seed: 900, channel_offsets: [1.0, -2.0, 0.5]}
          gamma: [1.0, 2.0, -0.5]
          beta: [0.5, 0.0, 1.0]
          running_mean: [0.0, 0.0, 0.0]
          running_var: [1.0, 1.0, 1.0]
          training: true
          momentum: 0.2
      - carry: {running_mean: running_mean, running_var: running_var}
        check: true
        args:
          x: {generate: normal, shape: [4, 3], seed: 990}
          training: false
"""


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """The train/eval kata with one sequence case more, in a course folder."""
    katas = tmp_path / "katas"
    katas.mkdir()
    text = (REPO / "katas" / "batchnorm-train-eval.yaml").read_text(encoding="utf-8")
    head, cases = text.split("\ncases:\n")
    (katas / "train-loop.yaml").write_text(
        head.replace("id: batchnorm-train-eval", "id: train-loop")
        + "\ncases:\n" + FIFTY_STEPS + cases, encoding="utf-8")
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    shutil.copy(REPO / "solutions" / "batchnorm_train_eval.py", solutions)
    return katas


def test_the_layer_kata_passes_grade_check_with_every_mistake_caught() -> None:
    proc = run_grade(["check", "batchnorm-layer"], cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok    batchnorm-layer" in proc.stdout
    assert re.search(r"catch all \d+ known mistakes", proc.stdout), proc.stdout


def test_a_biased_running_variance_in_a_sequence_is_diagnosed(tmp_path: Path) -> None:
    wrong = LAYER / "wrong_biased_running_variance.py"
    proc = run_grade([wrong, "--kata", "batchnorm-layer", "--format", "json"], timeout=120)
    result = json.loads(proc.stdout)
    assert [d["id"] for d in result["diagnoses"]] == ["biased-running-variance"]
    fifty = next(c for c in result["cases"] if c["name"] == "fifty-training-steps-then-test")
    assert fifty["departure"] == {"step": 1, "steps": 51, "function": "batchnorm_forward",
                                  "outputs": ["bn_param.running_var"]}
    assert {m["step"] for m in fifty["mismatches"]} == {51}
    markdown = run_grade([wrong, "--kata", "batchnorm-layer", "--format", "markdown"],
                         timeout=120).stdout
    assert "first departs at call 1 of 51 (batchnorm_forward)" in markdown


def test_running_statistics_passed_from_call_to_call(course: Path, tmp_path: Path) -> None:
    right = run_grade([TRAIN_EVAL / "right_pytorch_style.py", "--katas-dir", course,
                       "--kata", "train-loop"], timeout=120)
    assert right.returncode == 0, right.stdout + right.stderr
    assert "PASS   fifty-steps-then-evaluation" in right.stdout
    wrong = tmp_path / "biased.py"
    shutil.copy(TRAIN_EVAL / "wrong_biased_running_variance.py", wrong)
    proc = run_grade([wrong.name, "--katas-dir", course, "--kata", "train-loop"],
                     cwd=tmp_path, timeout=120)
    assert proc.returncode == 1
    assert_snapshot(SNAPSHOTS / "train_loop_biased.txt", proc.stdout)
    assert "first departs at call 1 of 51 (batch_norm_train_eval)" in proc.stdout
    assert "error[biased-running-variance]" in proc.stdout


def test_grade_check_runs_the_reference_through_every_sequence(course: Path) -> None:
    ok = run_grade(["check", course / "train-loop.yaml"], timeout=120)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    path = course / "train-loop.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("      - carry: {running_mean: running_mean, running_var: "
                                 "running_var}\n        check: true\n        args:\n"
                                 "          x: {generate: normal, shape: [4, 3], seed: 990}",
                                 "      - carry: {running_mean: running_mean, running_var: "
                                 "running_var}\n        check: true\n        args:\n"
                                 "          x: {generate: normal, shape: [1, 3], seed: 990}\n"
                                 "          training: true\n"
                                 "      - args:\n"
                                 "          x: {generate: normal, shape: [4, 3], seed: 990}"),
                    encoding="utf-8")
    line = path.read_text(encoding="utf-8").splitlines().index(
        "  - name: fifty-steps-then-evaluation") + 1
    proc = run_grade(["check", path], timeout=120)
    assert proc.returncode == 1, proc.stdout
    assert f"train-loop.yaml:{line}:" in proc.stdout
    assert "training needs at least two samples" in proc.stdout


def test_the_sequence_alone_is_enough_for_the_diagnosis(course: Path, tmp_path: Path) -> None:
    path = course / "train-loop.yaml"
    head = path.read_text(encoding="utf-8").split("\ncases:\n")[0]
    path.write_text(head + "\ncases:\n" + FIFTY_STEPS, encoding="utf-8")
    proc = run_grade([TRAIN_EVAL / "wrong_biased_running_variance.py", "--katas-dir", course,
                      "--kata", "train-loop", "--format", "json"], timeout=120)
    result = json.loads(proc.stdout)
    [diagnosis] = result["diagnoses"]
    assert diagnosis["id"] == "biased-running-variance"
    assert diagnosis["cases"] == ["fifty-steps-then-evaluation (call 1)"]


def test_a_file_with_both_functions_is_for_the_layer_kata(tmp_path: Path) -> None:
    """With the guide's katas too, `batchnorm_forward` alone is the guide's port and
    `batchnorm_forward` with `batchnorm_backward` the layer."""
    guide = REPO / "docs" / "guide" / "katas"
    both = tmp_path / "layer.py"
    shutil.copy(LAYER / "right_cs231n_style.py", both)
    proc = run_grade([both, "--katas-dir", guide, "--format", "json"], timeout=120)
    assert json.loads(proc.stdout)["kata"] == "batchnorm-layer", proc.stderr
    forward_only = tmp_path / "forward.py"
    shutil.copy(REPO / "docs" / "guide" / "solutions" / "cs231n_batchnorm.py", forward_only)
    proc = run_grade([forward_only, "--katas-dir", guide, "--format", "json"], timeout=120)
    assert json.loads(proc.stdout)["kata"] == "cs231n-batchnorm", proc.stderr
