"""``grade solution.ipynb`` end to end: the real command on real notebook files."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from normkatas.render import FORMATS, render
from normkatas.report.result import result_from_json
from tests.e2e.conftest import REPO, run_grade
from tests.notebook.notebooks import CORRECT, WRONG, WRONG_LINE, student_cells, write_notebook
from tests.render.test_sarif import validate_sarif

pytestmark = pytest.mark.slow


def test_a_wrong_function_is_diagnosed_at_its_cell_and_line(tmp_path: Path) -> None:
    notebook = write_notebook(tmp_path / "wrong.ipynb", student_cells(WRONG))
    proc = run_grade([notebook.name, "--format", "json"], cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    result = result_from_json(proc.stdout)
    assert result.submission == "wrong.ipynb"
    (diagnosis,) = [d for d in result.diagnoses if d.id == "layer-norm"]
    assert diagnosis.source is not None
    assert (diagnosis.source.cell, diagnosis.source.line) == (4, 3)
    assert diagnosis.source.text == WRONG_LINE
    assert diagnosis.source.column is not None
    col = diagnosis.source.column
    assert WRONG_LINE[col - 1:].startswith("axis=(1, 2, 3)")

    # Every format says where, from this very result.
    for fmt in FORMATS:
        text = render(result, fmt)
        if fmt == "json":
            continue  # data: the cell is a field (below)
        assert "cell 4, line 3" in text, fmt
    github = render(result, "github")
    assert "::error file=wrong.ipynb," in github
    validate_sarif(json.loads(render(result, "sarif")))
    assert '"cell": 4' in render(result, "json")


def test_the_text_report_quotes_the_cells_line(tmp_path: Path) -> None:
    notebook = write_notebook(tmp_path / "wrong.ipynb", student_cells(WRONG))
    proc = run_grade([notebook.name], cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "--> wrong.ipynb, cell 4, line 3\n" in proc.stdout
    assert f"3 | {WRONG_LINE}" in proc.stdout
    assert "matplotlib" not in proc.stdout + proc.stderr  # the plotting cell never ran


def test_a_correct_notebook_passes(tmp_path: Path) -> None:
    notebook = write_notebook(tmp_path / "right.ipynb", student_cells(CORRECT))
    proc = run_grade([notebook.name], cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "passed: all" in proc.stdout


def test_errors_point_at_cells_too(tmp_path: Path) -> None:
    broken = write_notebook(tmp_path / "broken.ipynb", [
        ("code", "import numpy as np"),
        ("code", "def batch_normalization(X, gamma, beta, epsilon=1e-5):\n"
                 "    return np.sqrt(X.mean(axis=(0, 2, 3)) +\n"),
    ])
    proc = run_grade([broken.name], cwd=tmp_path)
    assert "error[syntax-error]" in proc.stdout
    assert "--> broken.ipynb, cell 2, line 2\n" in proc.stdout
    assert "fix cell 2, line 2 so that it parses" in proc.stdout

    raising = write_notebook(tmp_path / "raising.ipynb", [
        ("code", "import numpy as np"),
        ("markdown", "text"),
        ("code", "def batch_normalization(X, gamma, beta, epsilon=1e-5):\n"
                 "    scale = 1.0\n"
                 "    raise ValueError('not yet')\n"),
    ])
    proc = run_grade([raising.name], cwd=tmp_path)
    assert "raising.ipynb, cell 3, line 3 in batch_normalization" in proc.stdout
    assert "raise ValueError('not yet')" in proc.stdout


def test_a_class_run_grades_notebooks_beside_python_files(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    write_notebook(folder / "ada.ipynb", student_cells(WRONG))
    (folder / "bob.py").write_text(
        (REPO / "examples" / "batchnorm_correct.py").read_text(encoding="utf-8"), encoding="utf-8"
    )
    out = tmp_path / "out"
    proc = run_grade([folder, "--out", out], cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    ada = msgspec.json.decode((out / "results" / "ada.json").read_bytes())
    assert ada["submission"].endswith("ada.ipynb")
    sources = [d["source"] for d in ada["diagnoses"] if d.get("source")]
    assert sources and sources[0]["cell"] == 4 and sources[0]["line"] == 3
    bob = msgspec.json.decode((out / "results" / "bob.json").read_bytes())
    assert bob["status"] == "passed"


def test_init_notebook_writes_a_starter_that_grades(tmp_path: Path) -> None:
    proc = run_grade(["init", "batchnorm-bchw", "--notebook"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    notebook = tmp_path / "batch_normalization.ipynb"
    assert json.loads(notebook.read_text(encoding="utf-8"))["nbformat"] == 4
    proc = run_grade([notebook.name], cwd=tmp_path)
    assert proc.returncode == 1
    assert "error[not-implemented]" in proc.stdout
    assert "--> batch_normalization.ipynb, cell 2, line " in proc.stdout


def test_a_file_that_is_not_a_notebook_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "bad.ipynb").write_text("{ not json", encoding="utf-8")
    proc = run_grade(["bad.ipynb"], cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("grade: error: bad.ipynb: not a notebook")


def test_sarif_from_the_command_line_validates(tmp_path: Path) -> None:
    proc = run_grade([REPO / "examples" / "batchnorm_mistakes.py", "--format", "sarif",
                      "--output", tmp_path / "grade.sarif"], cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    data = json.loads((tmp_path / "grade.sarif").read_text(encoding="utf-8"))
    validate_sarif(data)
    results = data["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["layer-norm", "unbiased-variance"]
    region = results[0]["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 10
    assert region["snippet"]["text"].startswith("    mean = X.mean(axis=(1, 2, 3)")
