"""A class of 50+ mixed submissions from the corpus, graded in one command."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.support.batch import CORPUS, CRASH, SYNTAX_ERROR, TIMEOUT, require_pipeline, run_grade
from tests.support.batch import write as write_file

pytestmark = pytest.mark.slow

MIN_CLASS = 50


def _class_from_corpus(folder: Path) -> dict[str, str]:
    """Student -> ``right``, ``wrong`` or ``error``.

    Every corpus file (repeated up to 50 if need be), one file per student, plus
    a syntax error, a timeout and a crash (one folder each, graded first).
    """
    files = sorted(CORPUS.glob("*/right_*.py")) + sorted(CORPUS.glob("*/wrong_*.py"))
    if not files:
        pytest.skip("the corpus is empty")
    kinds: dict[str, str] = {}
    n = 0
    while n < len(files) or len(kinds) < MIN_CLASS - 3:
        source = files[n % len(files)]
        student = f"{source.parent.name}_{source.stem}_{n // len(files)}"
        shutil.copyfile(source, folder / f"{student}.py")
        kinds[student] = source.stem.split("_", 1)[0]
        n += 1
    for name, text in (("00_syntax", SYNTAX_ERROR), ("00_timeout", TIMEOUT), ("00_crash", CRASH)):
        write_file(folder / name / "solution.py", text)
        kinds[name] = "error"
    return kinds


def test_a_class_of_fifty_mixed_submissions(tmp_path: Path) -> None:
    require_pipeline()
    folder = tmp_path / "class"
    folder.mkdir()
    kinds = _class_from_corpus(folder)
    out = tmp_path / "out"

    proc = run_grade([folder, "--out", out, "--timeout", "2", "--format", "json"], cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    summary = json.loads(proc.stdout)

    status = {s["student"]: s["status"] for s in summary["students"]}
    assert set(status) == set(kinds)
    for student, kind in kinds.items():
        if kind == "right":
            assert status[student] == "passed", student
        else:  # a misspelled function matches no kata
            assert status[student] in ("failed", "error", "unmatched"), student
    errors = {s["student"]: s["error"] for s in summary["students"] if s["error"]}
    assert errors["00_syntax"] == "syntax-error"
    assert errors["00_timeout"] == "timeout"
    assert errors["00_crash"] == "crashed"

    records = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    unmatched = [s for s, v in status.items() if v == "unmatched"]
    assert len(records) == len(kinds) - len(unmatched)
    pairs = sum(len({d["id"] for d in r["diagnoses"] if d["category"] != "execution"})
                for r in records)
    assert sum(m["count"] for k in summary["katas"] for m in k["mistakes"]) == pairs
    assert len(list((out / "results").glob("*.json"))) == len(records)
    assert (out / "class-report.html").stat().st_size > 10_000

    assert summary["submissions"] == len(records) and summary["unmatched"] == len(unmatched)
    # (how fast a class is graded: benchmarks/run.py)
