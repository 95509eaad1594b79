"""The `grade` command as a student and an instructor meet it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import REPO, run_grade

pytestmark = pytest.mark.slow

CORRECT = REPO / "examples" / "batchnorm_correct.py"
MISTAKES = REPO / "examples" / "batchnorm_mistakes.py"


def write(tmp_path: Path, name: str, source: str) -> Path:
    path = tmp_path / name
    path.write_text(source, encoding="utf-8")
    return path


def test_correct_example_passes_with_exit_0(tmp_path: Path) -> None:
    proc = run_grade([CORRECT], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "29/29" in proc.stdout


def test_mistakes_example_names_both_mistakes(tmp_path: Path) -> None:
    proc = run_grade([MISTAKES, "--format", "json"], cwd=tmp_path)
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["status"] == "failed"
    ids = [d["id"] for d in data["diagnoses"]]
    assert ids == ["layer-norm", "unbiased-variance"]
    axes = data["diagnoses"][0]
    assert axes["reduced_axes"] == [1, 2, 3]
    assert axes["expected_axes"] == [0, 2, 3]


def test_json_is_one_clean_object_whatever_the_submission_prints(tmp_path: Path) -> None:
    path = write(tmp_path, "noisy.py", (
        "import sys, numpy as np\n"
        "print('{\"status\": \"passed\"}')\n"
        "def batch_normalization(X, gamma, beta, epsilon=1e-5):\n"
        "    print('PASS all cases'); sys.stderr.write('noise\\n')\n"
        "    return X\n"
    ))
    proc = run_grade([path, "--format", "json"])
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["status"] == "failed"
    assert "PASS all cases" in data["stdout"]["text"]


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("def batch_normalization(X, gamma, beta, epsilon=1e-5)\n    return X\n", "syntax-error"),
        ("import nonexistent_module_xyz\ndef batch_normalization(X, gamma, beta):\n    pass\n",
         "import-error"),
    ],
)
def test_files_that_cannot_run_are_errors_with_exit_1(
    tmp_path: Path, source: str, kind: str
) -> None:
    path = write(tmp_path, "broken.py", source)
    proc = run_grade([path, "--format", "json"])
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert data["status"] == "error"
    assert kind in [d["id"] for d in data["diagnoses"]]


def test_infinite_loop_is_cut_off_at_the_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "loop.py", (
        "def batch_normalization(X, gamma, beta, epsilon=1e-5):\n"
        "    while True:\n"
        "        pass\n"
    ))
    proc = run_grade([path, "--timeout", "1", "--format", "json"], timeout=60)
    assert proc.returncode == 1
    assert "timeout" in [d["id"] for d in json.loads(proc.stdout)["diagnoses"]]


def test_untouched_starter_says_not_implemented(tmp_path: Path) -> None:
    init = run_grade(["init", "batchnorm-bchw"], cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    starter = tmp_path / "batch_normalization.py"
    assert starter.is_file()
    proc = run_grade([starter.name], cwd=tmp_path)
    assert proc.returncode == 1
    assert "not implemented" in proc.stdout
    assert "Traceback" not in proc.stdout
    again = run_grade(["init", "batchnorm-bchw"], cwd=tmp_path)
    assert again.returncode == 2 and "exists" in again.stderr


def test_list_and_show_cover_every_kata() -> None:
    listing = run_grade(["--list"])
    assert listing.returncode == 0
    ids = [line.split()[0] for line in listing.stdout.splitlines()
           if line and not line.startswith("`")]
    assert {"batchnorm-bchw", "batchnorm-1d", "layernorm-bchw", "instancenorm-bchw",
            "groupnorm-bchw", "batchnorm-fc", "batchnorm-train-eval",
            "batchnorm-backward"} <= set(ids)
    for kata in ids:
        show = run_grade(["--show", kata])
        assert show.returncode == 0, show.stderr
        assert "def " in show.stdout


def test_show_carries_the_seed_examples() -> None:
    show = run_grade(["--show", "batchnorm-bchw"]).stdout
    assert "0.49671415" in show and "-1.32424" in show and "gamma = [2.0, 0.5]" in show


def test_unknown_function_names_the_katas_it_could_be(tmp_path: Path) -> None:
    path = write(tmp_path, "typo.py", "def batch_norm(X, gamma, beta):\n    return X\n")
    proc = run_grade([path])
    assert proc.returncode == 2
    assert "batch_normalization" in proc.stderr and "--kata" in proc.stderr


@pytest.mark.parametrize(
    "args",
    [[], ["missing_file.py"], ["--kata", "no-such-kata", str(CORRECT)], ["--format", "pdf", "x.py"],
     ["--show", "nope"], ["init", "nope"]],
)
def test_usage_errors_exit_2_without_traceback(args: list[str]) -> None:
    proc = run_grade(args)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_broken_spec_in_an_extra_katas_dir_exits_2(tmp_path: Path) -> None:
    katas = tmp_path / "katas"
    katas.mkdir()
    (katas / "bad.yaml").write_text("id: bad\ntitle: 3\ncases: nope\n", encoding="utf-8")
    proc = run_grade(["check", str(katas / "bad.yaml")])
    assert proc.returncode == 2
    assert "bad.yaml" in proc.stderr and "Traceback" not in proc.stderr


def test_check_passes_on_the_bundled_katas() -> None:
    proc = run_grade(["check"], timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "pass the check" in proc.stdout


def test_output_file_is_written_and_stdout_stays_quiet(tmp_path: Path) -> None:
    out = tmp_path / "reports" / "result.json"
    proc = run_grade([CORRECT, "--format", "json", "--output", out])
    assert proc.returncode == 0
    assert proc.stdout == ""
    assert json.loads(out.read_text())["status"] == "passed"


def test_file_names_with_spaces_and_non_ascii(tmp_path: Path) -> None:
    path = tmp_path / "mon essai été.py"
    path.write_text(CORRECT.read_text(encoding="utf-8"), encoding="utf-8")
    proc = run_grade([path.name], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr


def test_colour_only_when_asked(tmp_path: Path) -> None:
    plain = run_grade([MISTAKES], cwd=tmp_path)
    assert "\x1b[" not in plain.stdout
    coloured = run_grade([MISTAKES, "--color", "always"], cwd=tmp_path)
    assert "\x1b[" in coloured.stdout


def test_html_report_shows_heatmaps_of_failing_cases(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    proc = run_grade([MISTAKES, "--format", "html", "--output", out])
    assert proc.returncode == 1, proc.stderr
    page = out.read_text(encoding="utf-8")
    assert page.count("<svg") >= 3
    assert "yours minus expected" in page
    assert "hidden-wide" in page and "<script" not in page


@pytest.mark.parametrize("neighbour", ["grader.py", "normkatas.py"])
def test_a_student_module_named_like_the_grader_changes_nothing(
    tmp_path: Path, neighbour: str
) -> None:
    """A student's own `grader.py` or `normkatas.py` beside the solution is not the grader."""
    shutil.copyfile(REPO / "examples" / "batchnorm_correct.py", tmp_path / "solution.py")
    (tmp_path / neighbour).write_text("raise SystemExit('the student module ran')\n")
    proc = run_grade(["solution.py", "--format", "json"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] == "passed"
    # `python -m` puts the current folder first on sys.path, so a student's own
    # `normkatas.py` would shadow the package there: `-P` (Python 3.11+) says not to.
    safe = ["-P"] if neighbour == "normkatas.py" else []
    if safe and sys.version_info < (3, 11):
        return
    module = subprocess.run(
        [sys.executable, *safe, "-m", "normkatas", "solution.py", "--format", "json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert module.returncode == 0, module.stderr
    assert json.loads(module.stdout)["status"] == "passed"
