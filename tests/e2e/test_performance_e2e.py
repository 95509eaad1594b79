"""Efficiency advice through the real `grade` command, on corpus solutions."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import run_grade
from tests.support.corpus import CORPUS

pytestmark = pytest.mark.slow
BCHW = CORPUS / "batchnorm-bchw"


def test_element_loops_get_the_advice_and_keep_their_score() -> None:
    proc = run_grade([BCHW / "right_element_loops.py", "--format", "json"])
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["status"] == "passed" and data["score"] == data["max_score"]
    perf = data["performance"]
    assert perf["case"] == "timing-large" and perf["slow"] is True
    assert perf["ratio"] > 10 and not perf["affects_score"]
    assert "timing-large" not in [c["name"] for c in data["cases"]]  # advice, not a case
    text = " ".join(run_grade([BCHW / "right_element_loops.py"]).stdout.split())  # (wrapped)
    assert "note: slower than the reference: case timing-large" in text
    assert "Python loops over array elements are the usual cause" in text


def test_vectorized_code_gets_no_advice() -> None:
    proc = run_grade([BCHW / "right_vectorized_keepdims.py", "--format", "json"])
    assert proc.returncode == 0, proc.stderr
    perf = json.loads(proc.stdout)["performance"]
    assert perf["case"] == "timing-large" and perf["slow"] is False
    text = run_grade([BCHW / "right_vectorized_keepdims.py"]).stdout
    assert "slower than the reference" not in text
    verbose = run_grade([BCHW / "right_vectorized_keepdims.py", "--verbose"]).stdout
    assert "note: timing: case timing-large took" in verbose
