"""Every corpus solution, graded in-process through the real grading code, against
its golden header.

The wrong solutions get exactly the diagnoses their header names (and the
reduced axes); the right ones pass and get none.  What the student reads is
the text report, snapshot-tested in tests/snapshots/e2e/<kata>/<file>.txt (the
same files the end-to-end test checks the real `grade` command against;
``UPDATE_SNAPSHOTS=1`` rewrites them, see tests/support/snapshot.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from normkatas.diagnose import formula as formula_step
from normkatas.diagnose.context import build
from normkatas.diagnose.fit import all_stages, fit
from normkatas.render import render
from tests.diagnose.harness import describe, run
from tests.support import TESTS
from tests.support.corpus import corpus_files, read_expectation
from tests.support.snapshot import assert_snapshot

FILES = corpus_files()
WRONG = [p for p in FILES if p.name.startswith("wrong_")]
RIGHT = [p for p in FILES if p.name.startswith("right_")]
SNAPSHOTS = TESTS / "snapshots" / "e2e"
SLOW_NOTE = re.compile(r"^note: slower than the reference: .*?(?=\n\n|\Z)\n*", re.M | re.S)
PRINTED = re.compile(r"^\n?your program printed to std(out|err):\n(  \|.*\n)*", re.M)


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


@pytest.mark.parametrize("path", FILES, ids=[_id(p) for p in FILES])
def test_corpus_file_is_diagnosed_as_its_header_says(path: Path) -> None:
    expected = read_expectation(path)
    result = run(path.parent.name, path)
    assert result.status == expected.status
    if expected.diagnoses is not None:
        assert result.ids == expected.diagnoses, describe(result.diagnoses)
    if expected.reduced_axes is not None:
        axes = [tuple(d.reduced_axes) for d in result.diagnoses if d.reduced_axes]
        assert axes == [expected.reduced_axes], describe(result.diagnoses)


def snapshot_text(text: str) -> str:
    """The text report without what only the real command has: the performance note
    (a timing) and what the program printed (captured by the sandbox)."""
    return PRINTED.sub("", SLOW_NOTE.sub("", text))


@pytest.mark.parametrize("path", WRONG, ids=[_id(p) for p in WRONG])
def test_student_facing_text_snapshot(path: Path) -> None:
    result = run(path.parent.name, path)
    snapshot = SNAPSHOTS / path.parent.name / f"{path.stem}.txt"
    text = render(result.result, "text")
    if snapshot.exists():
        stored = snapshot.read_bytes().decode("utf-8")
        assert snapshot_text(text) == snapshot_text(stored), f"snapshot {snapshot} differs"
    else:
        assert_snapshot(snapshot, text)


@pytest.mark.parametrize("path", RIGHT, ids=[_id(p) for p in RIGHT])
def test_right_solution_fits_the_right_formula(path: Path) -> None:
    """Even without the all-passed shortcut, nothing would be claimed: the
    probes see the kata's grouping and the simplest fitting formula is the right one."""
    result = run(path.parent.name, path)
    assert result.status == "passed" and result.diagnoses == []
    ctx = build(result.inp)
    observed = formula_step.observe(ctx)
    assert ctx.expected is not None
    if observed is not None:
        kwargs = ctx.probe("base")[0].kwargs
        assert formula_step.same(observed, ctx.expected, kwargs)
    if not ctx.cases:  # only sequence cases: `grade check` fits the right formula per call
        return
    outcome = fit(ctx, all_stages(ctx), [(ctx.expected, 0)])
    assert outcome.best is not None and outcome.best.deviations == ()


def test_every_kata_has_wrong_solutions() -> None:
    katas = {p.parent.name for p in FILES}
    assert katas == {p.parent.name for p in WRONG}


def test_every_catalogue_mistake_that_can_be_shown_has_a_corpus_file() -> None:
    shown: set[str] = set()
    for path in WRONG:
        shown |= read_expectation(path).diagnoses or set()
    runtime_only = {"timeout", "memory-limit", "crashed", "unrecognised", "non-finite-output",
                    "group-norm"}
    from normkatas.diagnose.catalogue import CATALOGUE

    assert {e.id for e in CATALOGUE} - runtime_only <= shown


@pytest.mark.parametrize("path", WRONG, ids=[_id(p) for p in WRONG])
def test_no_evidence_contradicts_its_claim(path: Path) -> None:
    """Evidence shows the difference it is there for: in every diagnosis with
    evidence, some row's yours and expected differ (a row that agrees may only say
    which part is right: a missing beta leaves the variance alone)."""
    result = run(path.parent.name, path)
    for d in result.diagnoses:
        if d.evidence:
            assert any(e.yours != e.expected for e in d.evidence), describe([d])
