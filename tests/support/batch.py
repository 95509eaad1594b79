"""Helpers for the class-grading, pytest-plugin and classroom tests.

`require_pipeline()` skips a test until the whole grading pipeline (spec,
sandbox, comparison, diagnosis, renderers) works end to end.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.support import REPO

CORPUS = REPO / "tests" / "corpus"
BIN = Path(sys.executable).parent

RIGHT_BN = (REPO / "solutions" / "batchnorm_bchw.py").read_text(encoding="utf-8")

WRONG_LAYER_NORM = '''\
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    mean = X.mean(axis=(1, 2, 3), keepdims=True)
    var = X.var(axis=(1, 2, 3), keepdims=True)
    Xn = (X - mean) / np.sqrt(var + epsilon)
    return gamma[None, :, None, None] * Xn + beta[None, :, None, None]
'''

SYNTAX_ERROR = "def batch_normalization(X, gamma, beta, epsilon=1e-5)\n    return X\n"

TIMEOUT = "def batch_normalization(X, gamma, beta, epsilon=1e-5):\n    while True:\n        pass\n"

CRASH = '''\
import os


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    os._exit(3)
'''

SCRIPT_IN_MESSAGE = '''\
def batch_normalization(X, gamma, beta, epsilon=1e-5):
    raise ValueError("<script>alert('pwned')</script>")
'''


def grade_command() -> list[str]:
    script = shutil.which("grade", path=str(BIN))
    return [script] if script else [sys.executable, "-m", "normkatas"]


def env(extra: dict[str, str] | None = None) -> dict[str, str]:
    out = {**os.environ, "NO_COLOR": "1", **(extra or {})}
    out.pop("GITHUB_STEP_SUMMARY", None)
    out["PATH"] = f"{BIN}{os.pathsep}{out.get('PATH', '')}"
    return out


def run_grade(
    args: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*grade_command(), *map(str, args)],
        cwd=cwd,
        env=env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


@functools.lru_cache(maxsize=1)
def _pipeline_problem() -> str:
    """Empty when a correct solution grades as passed through the real `grade`."""
    try:
        proc = run_grade(
            [REPO / "solutions" / "batchnorm_bchw.py", "--kata", "batchnorm-bchw",
             "--format", "json"],
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"grade could not run: {exc}"
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return f"grade exited {proc.returncode}: " + " | ".join(tail)
    try:
        status = json.loads(proc.stdout).get("status")
    except ValueError:
        return "grade --format json printed no JSON"
    return "" if status == "passed" else f"the reference solution grades as {status}"


def require_pipeline() -> None:
    problem = _pipeline_problem()
    if problem:
        pytest.skip(f"the grading pipeline does not work yet ({problem})")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def make_result(
    *,
    submission: str = "alice.py",
    kata: str = "batchnorm-bchw",
    cases: Sequence[tuple[str, str]] = (("a", "passed"), ("b", "passed")),
    diagnoses: Sequence[tuple[str, str]] = (),
    message: str = "",
    hidden: Sequence[str] = (),
    stdout: str = "",
):
    """A `Result` made by hand: ``cases`` are (name, status), ``diagnoses`` (id, title)."""
    from normkatas.report.result import Captured, CaseResult, Diagnosis, ErrorInfo, Result

    case_results = []
    for name, status in cases:
        error = None
        if status == "error":
            error = ErrorInfo(kind="exception", type="ValueError", message=message)
        case_results.append(CaseResult(
            name=name, status=status,  # type: ignore[arg-type]
            points=1.0 if status == "passed" else 0.0,
            max_points=1.0, hidden=name in hidden, error=error,
        ))
    statuses = {s for _, s in cases}
    overall = "passed" if statuses == {"passed"} else ("error" if statuses == {"error"} else
                                                       "failed")
    return Result(
        kata=kata,
        kata_title="Batch normalization of a BCHW feature map",
        submission=submission,
        status=overall,  # type: ignore[arg-type]
        score=float(sum(c.points for c in case_results)),
        max_score=float(len(case_results)),
        cases=case_results,
        diagnoses=[
            Diagnosis(id=i, title=t, message=f"you {t}", category="structure",
                      cases=[n for n, s in cases if s != "passed"])
            for i, t in diagnoses
        ],
        stdout=Captured(text=stdout, total_bytes=len(stdout)),
    )
