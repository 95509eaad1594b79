"""Every corpus solution through the real `grade` command, against its golden header."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.e2e.conftest import run_grade
from tests.support import TESTS
from tests.support.corpus import CORPUS, corpus_files, read_expectation
from tests.support.snapshot import assert_snapshot

SNAPSHOTS = TESTS / "snapshots" / "e2e"
SLOW_NOTE = re.compile(r"^note: slower than the reference: .*?(?=\n\n|\Z)", re.M | re.S)
FILES = corpus_files()

pytestmark = pytest.mark.slow


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


@pytest.mark.parametrize("path", FILES, ids=[_id(p) for p in FILES])
def test_corpus_file_grades_as_its_header_says(path: Path) -> None:
    expected = read_expectation(path)
    proc = run_grade([path, "--kata", path.parent.name, "--format", "json"])
    assert proc.stdout.count("\n") <= 1 or proc.stdout.strip().startswith("{")
    data = json.loads(proc.stdout)
    assert proc.returncode == (0 if expected.status == "passed" else 1), proc.stderr
    assert data["status"] == expected.status
    assert data["kata"] == path.parent.name
    ids = {d["id"] for d in data["diagnoses"]}
    if expected.diagnoses is not None:
        assert ids == expected.diagnoses, json.dumps(data["diagnoses"], indent=1)[:3000]
    if expected.reduced_axes is not None:
        axes = [tuple(d["reduced_axes"]) for d in data["diagnoses"] if d.get("reduced_axes")]
        assert expected.reduced_axes in axes


WRONG = [p for p in FILES if p.name.startswith("wrong_")]


@pytest.mark.parametrize("path", WRONG, ids=[_id(p) for p in WRONG])
def test_text_report_snapshot(path: Path) -> None:
    """What the student reads, for every wrong solution in the corpus."""
    proc = run_grade([path.name, "--kata", path.parent.name], cwd=path.parent)
    assert proc.returncode == 1, proc.stderr
    # Python prints the file's absolute path in warnings: keep snapshots machine-independent.
    text = proc.stdout.replace(str(path.parent) + os.sep, "")
    # So are the timings of the performance note (that the note is there is kept).
    text = SLOW_NOTE.sub("note: slower than the reference: (timings)", text)
    assert_snapshot(SNAPSHOTS / path.parent.name / f"{path.stem}.txt", text)


def test_kata_is_found_from_the_function_names() -> None:
    right = sorted((CORPUS / "batchnorm-bchw").glob("right_*.py"))[0]
    proc = run_grade([right.name, "--format", "json"], cwd=right.parent)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["kata"] == "batchnorm-bchw"
