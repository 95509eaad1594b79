""""certain" only when every alternative composition, the costlier ones within the
budget too, is excluded by some case or probe; "likely" otherwise."""

from __future__ import annotations

from typing import Any

import pytest

from normkatas.diagnose import fit as fit_module
from normkatas.diagnose import formula as formula_step
from normkatas.diagnose.catalogue import CATALOGUE
from normkatas.diagnose.context import Context, build
from normkatas.diagnose.fit import Candidate, all_stages, exclude, fit
from tests.diagnose.harness import run
from tests.support.corpus import corpus_files

FILE = next(p for p in corpus_files() if p.parent.name == "batchnorm-1d"
            and p.name == "wrong_unbiased_variance.py")


def _names(c: Candidate) -> frozenset[str]:
    return frozenset(f"{s}={v}" for s, v in c.deviations)


def _context() -> tuple[Context, Candidate, Any]:
    ctx = build(run(FILE.parent.name, FILE).inp)
    assert ctx.expected is not None
    stages = all_stages(ctx)
    groupings = [(ctx.expected, 0)]
    best = fit(ctx, stages, groupings).best
    assert best is not None and best.deviations == (("ddof", "1"),)
    return ctx, best, (stages, groupings)


def test_every_alternative_excluded_is_certain() -> None:
    ctx, best, (stages, groupings) = _context()
    exclusion = exclude(ctx, stages, groupings, best, _names)
    assert exclusion.certain("ddof=1") and not exclusion.exhausted
    assert exclusion.reached == 2  # one deviation costlier than the best was tried


def test_a_costlier_alternative_that_fits_leaves_it_likely(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ctx, best, (stages, groupings) = _context()
    real = fit_module.matches

    def matches(ctx: Context, item: Any, candidate: Candidate) -> bool:
        if candidate.cost == 2 and ("ddof", "1") not in candidate.deviations:
            return True  # as if two other mistakes reproduced the output everywhere
        return real(ctx, item, candidate)

    monkeypatch.setattr(fit_module, "matches", matches)
    exclusion = exclude(ctx, stages, groupings, best, _names)
    assert not exclusion.certain("ddof=1") and "ddof=1" in exclusion.open
    entries = [e for e in CATALOGUE if e.applies_to(ctx.kata)]
    _, findings = formula_step.find(ctx, entries)
    assert [(f.entry.id, f.confidence) for f in findings] == [("unbiased-variance", "likely")]


def test_a_budget_spent_before_the_costlier_ones_is_not_certain() -> None:
    ctx, best, (stages, groupings) = _context()
    exclusion = exclude(ctx, stages, groupings, best, _names, budget=3)
    assert exclusion.exhausted and not exclusion.certain("ddof=1")


def test_the_exclusion_is_counted_work() -> None:
    """The same budget gives the same answer: no clock is read."""
    ctx, best, (stages, groupings) = _context()
    first = exclude(ctx, stages, groupings, best, _names, budget=50)
    again = exclude(ctx, stages, groupings, best, _names, budget=50)
    assert first == again
