"""`grade check`, `grade quiz` and answers files through the real `grade` command; the
instructor guide's katas are checked here (CI runs this file)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.e2e.conftest import REPO, run_grade

pytestmark = pytest.mark.slow

GUIDE = REPO / "docs" / "guide"


def test_the_guide_katas_pass_grade_check() -> None:
    proc = run_grade(["check", "docs/guide/katas"], cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok    cs231n-batchnorm" in proc.stdout and "ok    deepml-batchnorm" in proc.stdout
    assert "docs/guide/katas/deepml-batchnorm.yaml:" in proc.stdout
    assert "these values match the reference with epsilon = 0" in proc.stdout


def test_the_bundled_seed_printout_is_flagged_with_its_line() -> None:
    proc = run_grade(["check", "batchnorm-bchw"], cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "katas/batchnorm-bchw.yaml:" in proc.stdout
    assert "case `seed-example-3`" in proc.stdout and "epsilon = 0" in proc.stdout


def test_a_published_rounding_fails_the_check_with_file_and_line(tmp_path: Path) -> None:
    katas = tmp_path / "katas"
    katas.mkdir()
    (tmp_path / "solutions").mkdir()  # empty: the bundled reference is still found
    text = (REPO / "katas" / "batchnorm-1d.yaml").read_text(encoding="utf-8")
    written = "      y: [-1.68301, 0.10566, 1.89434, 3.68301]"
    assert written in text
    path = katas / "batchnorm-1d.yaml"
    path.write_text(text.replace(written, "      y: [-1.68, 0.10, 1.90, 3.68]"),
                    encoding="utf-8")
    line = text[: text.index(written)].count("\n") + 1
    proc = run_grade(["check", "katas/batchnorm-1d.yaml"], cwd=tmp_path, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"katas/batchnorm-1d.yaml:{line}: case `seed-example-odd-numbers`" in proc.stdout
    assert "x_hat rounded to 2 decimals before scaling" in proc.stdout
    report = json.loads(run_grade(["check", str(path), "--format", "json"], timeout=120).stdout)
    [mismatch] = report[0]["expected_mismatches"]
    assert mismatch["line"] == line and mismatch["reproduced_by"][0]["decimals"] == 2


def test_a_wrong_gamma_length_is_a_spec_error(tmp_path: Path) -> None:
    text = (REPO / "katas" / "batchnorm-bchw.yaml").read_text(encoding="utf-8")
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace("gamma: [0.5, 2.0, -1.5]", "gamma: [0.5, 2.0]"),
                    encoding="utf-8")
    proc = run_grade(["check", str(path)], timeout=120)
    assert proc.returncode == 2
    assert "bad.yaml:" in proc.stderr and "3 channels" in proc.stderr


def test_property_and_slice_cases_grade_a_solution(tmp_path: Path) -> None:
    good = tmp_path / "good.py"
    shutil.copy(GUIDE / "solutions" / "cs231n_batchnorm.py", good)
    proc = run_grade([good, "--katas-dir", GUIDE / "katas"], timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    bad = tmp_path / "bad.py"
    bad.write_text(good.read_text().replace("x.var(axis=0)", "x.var(axis=0, ddof=1)"))
    proc = run_grade([bad, "--katas-dir", GUIDE / "katas"], timeout=120)
    assert proc.returncode == 1
    assert "out.std(over N)" in proc.stdout and "out[0:4, :]" in proc.stdout


def test_a_deepml_kata_shows_a_well_formed_smallest_input(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.py"
    wrong.write_text(
        (GUIDE / "solutions" / "deepml_batchnorm.py").read_text()
        .replace("keepdims=True)\n    return", "keepdims=True, ddof=1)\n    return"))
    proc = run_grade([wrong, "--katas-dir", GUIDE / "katas", "--kata", "deepml-batchnorm",
                      "--format", "json"], timeout=120)
    result = json.loads(proc.stdout)
    [diagnosis] = result["diagnoses"]
    assert diagnosis["id"] == "unbiased-variance"
    call = diagnosis["counterexample"]["call"]
    assert call.count("[[[[") == 3  # X, gamma and beta all 4-D with one channel


def test_grade_quiz_in_a_terminal(tmp_path: Path) -> None:
    proc = run_grade_input(["quiz", "batchnorm-bchw", "--save", tmp_path / "a.yaml"],
                           "c\nc\n0.25\n32\n")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "score: 4/4" in proc.stdout
    again = run_grade([tmp_path / "a.yaml"])
    assert again.returncode == 0 and "score: 4/4" in again.stdout
    wrong = run_grade_input(["quiz", "batchnorm-bchw"], "b\n")
    assert wrong.returncode == 1 and "per-activation" in wrong.stdout
    none = run_grade(["quiz", "batchnorm-fc"])
    assert none.returncode == 2 and "has no questions" in none.stderr


def test_an_answers_file_in_every_format_and_in_a_class_run(tmp_path: Path) -> None:
    answers = tmp_path / "class" / "ada" / "answers.yaml"
    answers.parent.mkdir(parents=True)
    answers.write_text("kata: batchnorm-1d\nanswers:\n  why-gamma-and-beta: a\n"
                       "  odd-numbers-variance: 6.6667\n")
    proc = run_grade([answers, "--format", "json"])
    assert proc.returncode == 1
    result = json.loads(proc.stdout)
    assert [c["status"] for c in result["cases"]] == ["passed", "failed", "failed"]
    for fmt in ("markdown", "junit", "github", "gradescope", "html"):
        assert run_grade([answers, "--format", fmt]).returncode == 1
    out = tmp_path / "out"
    proc = run_grade([tmp_path / "class", "--out", out], timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    saved = json.loads((out / "results" / "ada.json").read_text())
    assert saved["kata"] == "batchnorm-1d" and saved["score"] == 1.0


def run_grade_input(args: list[str | Path], text: str):  # type: ignore[no-untyped-def]
    import os
    import subprocess

    from tests.e2e.conftest import grade_command

    return subprocess.run([*grade_command(), *map(str, args)], input=text, text=True,
                          capture_output=True, timeout=60,
                          env={**os.environ, "NO_COLOR": "1"})


def test_a_sequence_layer_norm_names_the_wrong_axes_not_layernorm(tmp_path: Path) -> None:
    fixtures = REPO / "tests" / "spec" / "fixtures"
    wrong = tmp_path / "wrong.py"
    wrong.write_text(
        "import numpy as np\n"
        "def layer_norm(x, gamma, beta, epsilon=1e-5):\n"
        "    mu = x.mean(axis=(1, 2), keepdims=True)\n"
        "    var = x.var(axis=(1, 2), keepdims=True)\n"
        "    return gamma * (x - mu) / np.sqrt(var + epsilon) + beta\n")
    proc = run_grade([wrong, "--katas-dir", fixtures / "katas", "--kata", "ln-ntd"], timeout=120)
    assert proc.returncode == 1
    assert "error[wrong-axes]: statistics computed over T, D instead of over D" in proc.stdout
    assert "that is LayerNorm" not in proc.stdout


def test_a_missing_reference_is_reported_at_its_line(tmp_path: Path) -> None:
    text = (REPO / "katas" / "batchnorm-1d.yaml").read_text(encoding="utf-8")
    key = "reference: batchnorm_1d:batch_norm_forward"
    path = tmp_path / "katas" / "x.yaml"
    path.parent.mkdir()
    path.write_text(text.replace(key, "reference: missing_module:batch_norm_forward"))
    line = text[: text.index(key)].count("\n") + 1
    proc = run_grade(["check", path], timeout=120)
    assert proc.returncode == 1
    assert f"x.yaml:{line}: the reference cannot be loaded: " in proc.stdout
