"""The wheel a student installs: katas and solutions inside, `grade` on PATH, any directory."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.e2e.conftest import REPO

pytestmark = pytest.mark.slow


def _run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["NO_COLOR"] = "1"
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        cmd, capture_output=True, text=True, timeout=600, env=env, **kwargs
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the freshly built wheel installed (not editable)."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "src"
    shutil.copytree(
        REPO, source,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "__pycache__", "*.egg-info", "build", "dist"
        ),
    )
    dist = root / "dist"
    built = _run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(source)])
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    wheels = list(dist.glob("normkatas-*.whl"))
    assert len(wheels) == 1
    env_dir = root / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    pip = _run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheels[0])])
    assert pip.returncode == 0, pip.stderr[-2000:]
    return env_dir


def test_wheel_ships_katas_and_solutions(installed: Path) -> None:
    code = (
        "from normkatas.spec.resources import data_dir;"
        "print(sorted(p.name for p in data_dir('katas').glob('*.yaml')));"
        "print(sorted(p.name for p in data_dir('solutions').glob('*.py')));"
        "print(data_dir('katas'))"
    )
    proc = _run([str(installed / "bin" / "python"), "-c", code], cwd="/")
    assert proc.returncode == 0, proc.stderr
    katas, solutions, where = proc.stdout.splitlines()
    assert "batchnorm-bchw.yaml" in katas and "batchnorm_bchw.py" in solutions
    assert "site-packages" in where


def test_installed_grade_lists_and_grades_from_another_directory(
    installed: Path, tmp_path: Path
) -> None:
    grade = str(installed / "bin" / "grade")
    listing = _run([grade, "--list"], cwd=tmp_path)
    assert listing.returncode == 0, listing.stderr
    assert "batchnorm-bchw" in listing.stdout
    shutil.copy(REPO / "examples" / "batchnorm_correct.py", tmp_path / "mine.py")
    shutil.copy(REPO / "examples" / "batchnorm_mistakes.py", tmp_path / "theirs.py")
    ok = _run([grade, "mine.py"], cwd=tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = _run([grade, "theirs.py", "--format", "json"], cwd=tmp_path)
    assert bad.returncode == 1, bad.stderr
    assert [d["id"] for d in json.loads(bad.stdout)["diagnoses"]] == [
        "layer-norm", "unbiased-variance",
    ]
    check = _run([grade, "check"], cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
