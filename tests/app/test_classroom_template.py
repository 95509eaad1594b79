"""The classroom template (classroom/): its workflow commands and Gradescope scripts, run."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import REPO
from tests.support.batch import RIGHT_BN, WRONG_LAYER_NORM, env, require_pipeline, run_grade

TEMPLATE = REPO / "classroom"
WORKFLOW = TEMPLATE / ".github" / "workflows" / "classroom.yml"

# Gradescope's "Output format" (https://gradescope-autograders.readthedocs.io/en/latest/specs/).
GRADESCOPE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "anyOf": [{"required": ["score"]}, {"required": ["tests"]}],
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number"},
        "output": {"type": "string"},
        "visibility": {"enum": ["hidden", "after_due_date", "after_published", "visible"]},
        "stdout_visibility": {"enum": ["hidden", "after_due_date", "after_published",
                                       "visible"]},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "score": {"type": "number"},
                    "max_score": {"type": "number"},
                    "status": {"enum": ["passed", "failed"]},
                    "name": {"type": "string"},
                    "output": {"type": "string"},
                    "visibility": {"enum": ["hidden", "after_due_date", "after_published",
                                            "visible"]},
                },
            },
        },
    },
}

pytestmark = pytest.mark.slow


def _copy_template(tmp_path: Path) -> Path:
    repo = tmp_path / "student-repo"
    shutil.copytree(TEMPLATE, repo)
    return repo


def _instructor_katas(folder: Path) -> Path:
    """The bundled kata plus one secret hidden case, as an instructor would keep it."""
    katas = folder / "katas"
    katas.mkdir(parents=True)
    source = (REPO / "katas" / "batchnorm-bchw.yaml").read_text(encoding="utf-8")
    secret = (
        "  - name: instructor-secret\n"
        "    hidden: true\n"
        "    points: 5\n"
        "    args:\n"
        "      X: {generate: normal, shape: [7, 3, 2, 5], seed: 4242}\n"
        "      gamma: [1.5, -0.5, 2.0]\n"
        "      beta: [0.1, 0.2, 0.3]\n"
    )
    (katas / "batchnorm-bchw.yaml").write_text(source.rstrip("\n") + "\n" + secret,
                                               encoding="utf-8")
    return katas


def test_template_files_are_there() -> None:
    for name in ("README.md", "INSTRUCTOR.md", "solution.py", "pyproject.toml", ".gitignore",
                 "gradescope/setup.sh", "gradescope/run_autograder"):
        assert (TEMPLATE / name).is_file(), name
    for script in ("gradescope/setup.sh", "gradescope/run_autograder"):
        assert os.access(TEMPLATE / script, os.X_OK), script
        subprocess.run(["bash", "-n", str(TEMPLATE / script)], check=True)
    assert "instructor/" in (TEMPLATE / ".gitignore").read_text().splitlines()


def test_pyproject_names_the_instructor_katas(tmp_path: Path) -> None:
    from normkatas.app.config import project_katas_dirs

    repo = _copy_template(tmp_path)
    assert project_katas_dirs(repo) == []
    _instructor_katas(repo / "instructor")
    assert project_katas_dirs(repo) == [(repo / "instructor" / "katas").resolve()]


def test_the_starter_is_what_grade_init_writes(tmp_path: Path) -> None:
    target = tmp_path / "solution.py"
    proc = run_grade(["init", "batchnorm-bchw", "-o", target], cwd=tmp_path)
    if proc.returncode != 0:
        raise AssertionError(f"grade init failed: {proc.stderr.strip()[-2000:]}")
    assert (TEMPLATE / "solution.py").read_text() == target.read_text(), (
        "regenerate it: grade init batchnorm-bchw -o classroom/solution.py --force"
    )


def _workflow_steps() -> tuple[dict[str, str], list[dict[str, Any]]]:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    (job,) = workflow["jobs"].values()
    return {k: str(v) for k, v in job.get("env", {}).items()}, job["steps"]


def _run_step(step: dict[str, Any], repo: Path, job_env: dict[str, str], tmp: Path
              ) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    output = tmp / "github_output"
    output.write_text("")
    summary = tmp / "step_summary"
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=repo, capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL,
        env=env({**job_env, "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary),
                 "GITHUB_ACTIONS": "true"}),
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return proc, outputs


def test_workflow_installs_normkatas_and_reports_to_classroom() -> None:
    job_env, steps = _workflow_steps()
    runs = [s.get("run", "") for s in steps]
    assert any("pip install -r requirements-grader.txt" in r for r in runs)
    assert any("--format github" in r for r in runs)
    assert any("--format classroom" in r for r in runs)
    reporter = [s for s in steps if "autograding-grading-reporter" in s.get("uses", "")]
    assert len(reporter) == 1
    runner = reporter[0]["with"]["runners"]
    assert f"{runner.upper()}_RESULTS" in reporter[0]["env"]
    assert job_env["KATA"] == "batchnorm-bchw"


@pytest.mark.parametrize(("source", "passed"), [(RIGHT_BN, True), (WRONG_LAYER_NORM, False)],
                         ids=["right", "wrong"])
def test_workflow_grade_commands_run_locally(tmp_path: Path, source: str, passed: bool) -> None:
    require_pipeline()
    repo = _copy_template(tmp_path)
    _instructor_katas(repo / "instructor")
    (repo / "solution.py").write_text(source, encoding="utf-8")
    job_env, steps = _workflow_steps()
    grade_steps = [s for s in steps if "grade solution.py" in s.get("run", "")]
    assert [s["id"] for s in grade_steps] == ["grade", "classroom"]

    proc, _ = _run_step(grade_steps[0], repo, job_env, tmp_path)
    assert proc.returncode == (0 if passed else 1), proc.stderr
    assert proc.stdout.strip()

    proc, outputs = _run_step(grade_steps[1], repo, job_env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(base64.b64decode(outputs["result"]))
    assert data["status"] == ("pass" if passed else "fail")
    names = [t["name"] for t in data["tests"]]
    assert any("instructor-secret" in n for n in names), "the instructor's katas were used"
    total = sum(t["score"] for t in data["tests"])
    assert (total == data["max_score"]) is passed


def _autograder(tmp_path: Path, submission: str | None, grade: str | None = None
                ) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    root = tmp_path / "autograder"
    (root / "submission" / "nested").mkdir(parents=True)
    (root / "source").mkdir()
    shutil.copytree(TEMPLATE / "gradescope", root / "source" / "gradescope")
    _instructor_katas(root / "source")
    if submission is not None:
        (root / "submission" / "nested" / "solution.py").write_text(submission, encoding="utf-8")
    extra = {"AUTOGRADER_ROOT": str(root), "GRADE_TIMEOUT": "20"}
    if grade is not None:
        extra["GRADE"] = grade
    proc = subprocess.run(
        [str(root / "source" / "gradescope" / "run_autograder")],
        capture_output=True, text=True, timeout=180, env=env(extra), stdin=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    results = root / "results" / "results.json"
    assert results.is_file(), proc.stderr
    return proc, json.loads(results.read_text(encoding="utf-8"))


def _valid(data: dict[str, Any]) -> None:
    import jsonschema

    jsonschema.validate(data, GRADESCOPE_SCHEMA)


@pytest.mark.parametrize(("source", "passed"), [(RIGHT_BN, True), (WRONG_LAYER_NORM, False)],
                         ids=["right", "wrong"])
def test_gradescope_autograder_writes_results(tmp_path: Path, source: str, passed: bool) -> None:
    require_pipeline()
    proc, data = _autograder(tmp_path, source)
    assert proc.returncode == 0, proc.stderr
    _valid(data)
    tests = data["tests"]
    secret = [t for t in tests if "instructor-secret" in t["name"]]
    assert len(secret) == 1, "the instructor's hidden case was graded"
    best = sum(t["max_score"] for t in tests)
    assert best > 0
    got = sum(t["score"] for t in tests)
    assert (got == best) is passed
    if not passed:
        assert "7, 3, 2, 5" not in json.dumps(secret), "a hidden case shows no data"


def test_gradescope_autograder_without_a_solution_still_writes_results(tmp_path: Path) -> None:
    proc, data = _autograder(tmp_path, None)
    assert proc.returncode == 0
    _valid(data)
    assert data["score"] == 0 and "solution.py" in data["output"]


def test_gradescope_autograder_survives_a_broken_grader(tmp_path: Path) -> None:
    proc, data = _autograder(tmp_path, RIGHT_BN, grade="false")
    assert proc.returncode == 0
    _valid(data)
    assert data["score"] == 0 and "instructor" in data["output"]
