"""Releases that exist: the release workflow, and templates that install one exact version.

The templates install what classroom/requirements-grader.txt names, and
nothing else: one requirement, a direct reference (PEP 508 ``name @ url``) to
an immutable tag of the project's repository that equals the package version.
A bare ``normkatas`` (or a range) would be resolved on the package index,
where the name may not exist yet or may belong to someone else.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement

from normkatas._version import __version__

REPO = Path(__file__).resolve().parents[2]
REQUIREMENTS = REPO / "classroom" / "requirements-grader.txt"
RELEASE = REPO / ".github" / "workflows" / "release.yml"
CLASSROOM = REPO / "classroom" / ".github" / "workflows" / "classroom.yml"

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")


def _project() -> dict[str, Any]:
    data: dict[str, Any] = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    project: dict[str, Any] = data["project"]
    return {**project, "version": __version__}  # the version has one home: _version.py


def _requirements() -> list[str]:
    lines = REQUIREMENTS.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_the_grader_requirement_is_one_exact_tag_of_the_repository() -> None:
    (line,) = _requirements()
    req = Requirement(line)
    project = _project()
    assert req.name == project["name"]
    assert not req.specifier and not req.extras and req.marker is None
    assert req.url is not None, "a bare name would be looked up on the package index"
    repo_url = project["urls"]["Repository"]
    assert req.url == f"git+{repo_url}@v{project['version']}"


@pytest.mark.parametrize(
    "path",
    ["classroom/.github/workflows/classroom.yml", "classroom/README.md",
     "classroom/INSTRUCTOR.md", "classroom/exercism/run.sh"],
)
def test_no_template_file_installs_an_unpinned_name(path: str) -> None:
    text = (REPO / path).read_text(encoding="utf-8")
    for line in text.splitlines():
        if re.search(r"pip install", line) and "normkatas" in line:
            # only an exact tag, as in requirements-grader.txt
            assert re.search(r"normkatas @ git\+https://\S+@v\d+\.\d+\.\d+", line), line


def _workflow(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for job in workflow["jobs"].values() for s in job["steps"]]


def _major(uses: str) -> int:
    match = re.search(r"@v(\d+)", uses)
    assert match is not None, uses
    return int(match.group(1))


# The first majors on Node 24 (node20 actions are deprecated): actions/checkout v5
# (v6 current), actions/setup-python v6 (v7 current), upload-artifact v6,
# download-artifact v7.
FIRST_NODE24 = {"actions/checkout": 5, "actions/setup-python": 6,
                "actions/upload-artifact": 6, "actions/download-artifact": 7}


@pytest.mark.parametrize("path", [CLASSROOM, RELEASE], ids=["classroom", "release"])
def test_actions_are_current_and_checkouts_keep_no_credentials(path: Path) -> None:
    for step in _steps(_workflow(path)):
        uses = step.get("uses", "")
        action = uses.split("@")[0]
        if action in FIRST_NODE24:
            assert _major(uses) >= FIRST_NODE24[action], uses
        if action == "actions/checkout":
            assert step.get("with", {}).get("persist-credentials") is False, step


def test_release_builds_checks_and_publishes_with_trusted_publishing() -> None:
    workflow = _workflow(RELEASE)
    on: Any = workflow.get("on", workflow.get(True))  # type: ignore[call-overload]  # YAML 1.1 reads `on` as true
    assert on["push"]["tags"] == ["v*"]
    assert workflow["permissions"] == {"contents": "read"}
    runs = "\n".join(s.get("run", "") for s in _steps(workflow))
    assert "python -m build" in runs
    assert "twine check --strict dist/*" in runs
    publish = workflow["jobs"]["publish"]
    assert publish["permissions"] == {"id-token": "write"}
    (step,) = [s for s in publish["steps"] if "gh-action-pypi-publish" in s.get("uses", "")]
    assert step["uses"].startswith("pypa/gh-action-pypi-publish@release/v1")
    assert "password" not in step.get("with", {}), "trusted publishing needs no token"
    assert publish["needs"] == "build"


def _agreement_step() -> str:
    (step,) = [s for s in _steps(_workflow(RELEASE)) if "agree" in s.get("name", "")]
    return str(step["run"])


@pytest.mark.parametrize(("tag", "ok"), [("v{version}", True), ("v99.0.0", False)])
def test_release_refuses_a_tag_that_differs_from_the_version_or_the_pin(
    tag: str, ok: bool
) -> None:
    env = {**os.environ, "TAG": tag.format(version=_project()["version"])}
    proc = subprocess.run(["bash", "-eo", "pipefail", "-c", _agreement_step()], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=60)
    assert (proc.returncode == 0) is ok, proc.stdout + proc.stderr


def test_the_workflow_installs_only_the_pinned_requirement() -> None:
    runs = [s.get("run", "") for s in _steps(_workflow(CLASSROOM))]
    installs = [r for r in runs if "pip install" in r]
    assert installs == ["python -m pip install -r requirements-grader.txt"]


def test_instructor_guide_says_how_to_move_to_a_newer_release() -> None:
    guide = (REPO / "classroom" / "INSTRUCTOR.md").read_text(encoding="utf-8")
    assert "## Moving to a newer release" in guide
    assert "requirements-grader.txt" in guide


@pytest.mark.slow
def test_the_distributions_pass_twine_check(tmp_path: Path) -> None:
    """What the release workflow runs before publishing: build, then `twine check --strict`."""
    pytest.importorskip("build")
    pytest.importorskip("twine")
    built = subprocess.run([sys.executable, "-m", "build", "--outdir", str(tmp_path), str(REPO)],
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-2000:]
    dists = sorted(p.name for p in tmp_path.iterdir())
    assert any(d.endswith(".whl") for d in dists) and any(d.endswith(".tar.gz") for d in dists)
    checked = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, tmp_path.iterdir())],
        capture_output=True, text=True, timeout=120,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
