"""Formula fitting: the simplest formula variant that reproduces the student.

A candidate assigns a value to every stage of the kata's formula family
(plus the output order) and a grouping (who shares statistics).  Only stage
values some applicable catalogue entry claims are tried, with at most
`MAX_DEVIATIONS` non-default stages, simplest first.  The winner must match
the student's outputs within tolerance on EVERY call where the student
returned the right shapes (cases and probes).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from normkatas.diagnose.context import (
    Arrays,
    Context,
    Item,
    bounds,
    close_within,
    differs,
    first_values,
)
from normkatas.diagnose.families import Family, Stages
from normkatas.diagnose.layout import Grouping
from normkatas.spec.model import Kata

MAX_DEVIATIONS = 3
PAIRED_AT_MOST = {"spread": 2}
"""Stages whose variants are rare mistakes: they join compositions of at most this
many deviations (the search stays small where three mistakes are common)."""
MAX_CANDIDATES = 1500
MAX_EVALUATIONS = 6000
"""The search's budget, in candidate-on-item comparisons (a count of work, never a
time: the same submission gets the same fit on a fast or a loaded machine)."""
ORDER = "order"
CANDIDATE_OUTPUTS = "candidate-outputs"
"""An item's cache entry: each candidate's outputs on the item, their first elements and
the bounds the student's outputs are tested against (all per kata)."""
MAX_EXCLUSIONS = 1500
"""The budget of the search for alternatives to the best candidate (`exclude`), in
the same counted comparisons; when it runs out before every alternative with one
deviation more than the best was tried, nothing is certain."""


@dataclass(frozen=True)
class Candidate:
    assignment: tuple[tuple[str, str], ...]
    grouping: Grouping
    deviations: tuple[tuple[str, str], ...]
    axes_cost: int = 0

    def __hash__(self) -> int:
        # (a search hashes the same candidate thousands of times: computed once)
        known: int | None = self.__dict__.get("_hash")
        if known is None:
            known = hash((self.assignment, self.grouping, self.deviations, self.axes_cost))
            object.__setattr__(self, "_hash", known)
        return known

    def __getstate__(self) -> dict[str, Any]:
        # (a string's hash differs from one process to another: never carried over)
        return {k: v for k, v in self.__dict__.items() if k != "_hash"}

    @property
    def cost(self) -> int:
        return len(self.deviations) + self.axes_cost

    @property
    def variant(self) -> dict[str, str]:
        return dict(self.assignment)

    def without(self, stage: str, stages: Stages) -> Candidate:
        """The same candidate with ``stage`` back to its right value."""
        assignment = tuple((s, stages[s][0] if s == stage else v) for s, v in self.assignment)
        deviations = tuple(d for d in self.deviations if d[0] != stage)
        return Candidate(assignment, self.grouping, deviations, self.axes_cost)


@dataclass
class FitResult:
    best: Candidate | None
    ties: list[Candidate] = field(default_factory=list)
    stages: Stages = field(default_factory=dict)


def all_stages(ctx: Context) -> Stages:
    assert ctx.family is not None
    return all_stages_for(ctx.kata, ctx.family, ctx.output_roles)


def all_stages_for(kata: Kata, family: Family, roles: Sequence[str | None]) -> Stages:
    """The family's stages, plus the output order for several outputs."""
    stages = dict(family.stages(kata))
    if len(roles) > 1 and all(r is not None for r in roles):
        names = [str(r) for r in roles]
        perms = [",".join(p) for p in itertools.permutations(names)]
        stages[ORDER] = tuple(perms)
    return stages


def claimed_stages(stages: Stages, claims: Mapping[str, set[str]]) -> Stages:
    """Keep the right value and the values some entry claims (``*``: any)."""
    out: Stages = {}
    for name, values in stages.items():
        wanted = claims.get(name, set())
        kept = [values[0]] + [v for v in values[1:] if "*" in wanted or v in wanted]
        out[name] = tuple(kept)
    return out


def outputs_of(
    kata: Kata,
    family: Family,
    roles: Sequence[str | None],
    kwargs: Mapping[str, Any],
    variant: Mapping[str, str],
    grouping: Grouping,
    cache: dict[Any, Any],
) -> Arrays | None:
    """A candidate's outputs in the order it returns them, or None if it cannot run.

    Remembered in ``cache`` (the item's): the fit and the write-up ask for the
    same candidate on the same item several times.
    """
    key = ("outputs", tuple(variant.items()), grouping, tuple(roles))
    if key in cache:
        known: Arrays | None = cache[key]
        return known
    out: Arrays | None = None
    # the output order only permutes: every order shares one evaluation
    natural_key = ("natural", tuple((s, v) for s, v in variant.items() if s != ORDER), grouping,
                   tuple(roles))
    natural: dict[str | None, np.ndarray] | None
    if natural_key in cache:
        natural = cache[natural_key]
    else:
        try:
            by_role = family.evaluate(kata, kwargs, variant, grouping, cache)
            natural = {r: np.asarray(by_role[r], dtype=np.float64) for r in roles
                       if r is not None}
        except (ValueError, TypeError, KeyError, IndexError, ZeroDivisionError,
                FloatingPointError):
            natural = None
        cache[natural_key] = natural
    if natural is not None and not any(r is None for r in roles):
        order = variant.get(ORDER)
        names = order.split(",") if order else [str(r) for r in roles]
        out = [natural[n] for n in names]
    cache[key] = out
    return out


def candidates(
    family: Family,
    stages: Stages,
    groupings: Sequence[tuple[Grouping, int]],
    max_deviations: int = MAX_DEVIATIONS,
    needs: Mapping[Grouping, str] | None = None,
) -> Iterator[Candidate]:
    """Every candidate, simplest first, made as they are asked for (a fit that stops
    at one deviation never builds the thousands with three); what was made is
    remembered for the next submission of the kata."""
    # (families are module-level singletons: their id is stable)
    needs = dict(needs or {})
    key = (family.name, id(family), tuple(stages.items()), tuple(groupings), max_deviations,
           tuple(needs.items()))
    known = _CANDIDATES.get(key)
    if known is None:
        if len(_CANDIDATES) >= 64:
            _CANDIDATES.clear()
        known = _CANDIDATES[key] = _Lazy(
            _enumerate(family, stages, groupings, max_deviations, needs))
    return iter(known)


class _Lazy:
    """A list filled from a generator as far as it is read."""

    def __init__(self, source: Iterator[Candidate]) -> None:
        self.items: list[Candidate] = []
        self.source: Iterator[Candidate] | None = source

    def __iter__(self) -> Iterator[Candidate]:
        i = 0
        while True:
            if i < len(self.items):
                yield self.items[i]
                i += 1
                continue
            if self.source is None or len(self.items) >= MAX_CANDIDATES:
                return
            try:
                self.items.append(next(self.source))
            except StopIteration:
                self.source = None


_CANDIDATES: dict[tuple[Any, ...], _Lazy] = {}


def _enumerate(
    family: Family,
    stages: Stages,
    groupings: Sequence[tuple[Grouping, int]],
    max_deviations: int,
    needs: Mapping[Grouping, str],
) -> Iterator[Candidate]:
    """Candidates by cost (deviations plus the grouping's cost), then grouping order,
    then stage order: the order a sort by cost of the full list would give."""
    names = list(stages)
    default = {n: stages[n][0] for n in names}
    for cost in range(max_deviations + 1):
        for grouping, axes_cost in groupings:
            k = cost - axes_cost
            if k < 0:
                continue
            need = needs.get(grouping)
            for combo in itertools.combinations(names, k):
                if need is not None and need not in combo:
                    continue
                if any(k > PAIRED_AT_MOST.get(n, k) for n in combo):
                    continue
                for values in itertools.product(*(stages[n][1:] for n in combo)):
                    assignment = dict(default)
                    assignment.update(zip(combo, values, strict=False))
                    if not family.valid(assignment):
                        continue
                    yield Candidate(
                        tuple(assignment.items()),
                        grouping,
                        tuple(zip(combo, values, strict=False)),
                        axes_cost,
                    )


def fit_items(ctx: Context) -> list[Item]:
    """Every call with right-shaped outputs whose reference ran, most telling first."""
    items = [i for i in ctx.items if i.shaped]
    return sorted(items, key=lambda i: (i.kind != "base", i.kind == "shrink", i.size))


def matches(ctx: Context, item: Item, candidate: Candidate) -> bool:
    assert ctx.family is not None and item.outputs is not None
    known: dict[Candidate, _Known] | None = item.cache.get(CANDIDATE_OUTPUTS)
    if known is None:
        known = item.cache[CANDIDATE_OUTPUTS] = {}
    entry = known.get(candidate)
    if entry is None:
        entry = _learn(ctx, item, candidate, known)
    outputs, firsts, limits = entry
    if outputs is None:
        return False
    if firsts is not None:
        # what `close` would say when a first element already fails its test,
        # told in plain floats (the same IEEE arithmetic) without an array operation
        mine, rtol, atol = item.first_test
        if mine is not None and any(
                differs(x, y, rtol, atol) for x, y in zip(mine, firsts, strict=False)):
            return False
    if limits is None:  # (made when first needed: most candidates never get this far)
        limits = bounds(outputs, item.tol)
        known[candidate] = (outputs, firsts, limits)
    return close_within(item.outputs, outputs, limits, item.tol)


def _learn(ctx: Context, item: Item, candidate: Candidate, known: dict[Candidate, _Known]
           ) -> _Known:
    assert ctx.family is not None
    outputs = outputs_of(
        ctx.kata, ctx.family, ctx.output_roles, item.kwargs, candidate.variant,
        candidate.grouping, item.cache,
    )
    entry = known[candidate] = (outputs, first_values(outputs), None)
    return entry


_Known = tuple[
    "Arrays | None", "tuple[float, ...] | None", "tuple[np.ndarray | None, ...] | None"]
"""A candidate's outputs on an item, their first elements and their `bounds` (None until
first needed)."""


def fits_all(ctx: Context, items: Sequence[Item], candidate: Candidate) -> tuple[bool, int]:
    """Does ``candidate`` reproduce every item?  Also the evaluations it took (it stops at
    the first item it misses): the unit the budgets count."""
    spent = 0
    for item in items:
        spent += 1
        if not matches(ctx, item, candidate):
            return False, spent
    return True, spent

def fit(
    ctx: Context, stages: Stages, groupings: Sequence[tuple[Grouping, int]],
    budget: int = MAX_EVALUATIONS, needs: Mapping[Grouping, str] | None = None,
) -> FitResult:
    """The simplest candidates that reproduce the student on every item.

    ``needs``: a grouping that is only plausible with this stage off its right
    value (the kata's grouping where the probes saw a wider one: only a variance of
    another form explains that)."""
    items = fit_items(ctx)
    if ctx.family is None or not items:
        return FitResult(None, stages=stages)
    spent = 0
    found: list[Candidate] = []
    for candidate in candidates(ctx.family, stages, groupings, needs=needs):
        if found and candidate.cost > found[0].cost:
            break
        fits, used = fits_all(ctx, items, candidate)
        spent += used
        if spent > budget:
            return FitResult(None, stages=stages)
        if fits:
            found.append(candidate)
    if not found:
        return FitResult(None, stages=stages)
    return FitResult(found[0], found[1:], stages)


@dataclass(frozen=True)
class Exclusion:
    """What the cases leave open about the best candidate."""

    open: frozenset[str]
    """Names of the best candidate (its mistakes) some other fitting candidate does
    without: that candidate explains the output as well, so they are not certain."""
    exhausted: bool
    """The budget ran out before every alternative with one deviation more than the
    best was tried."""
    reached: int = 0
    """The highest cost whose alternatives were all tried."""

    def certain(self, name: str) -> bool:
        return not self.exhausted and name not in self.open


def exclude(
    ctx: Context, stages: Stages, groupings: Sequence[tuple[Grouping, int]], best: Candidate,
    names: Callable[[Candidate], frozenset[str]], budget: int = MAX_EXCLUSIONS,
    needs: Mapping[Grouping, str] | None = None,
) -> Exclusion:
    """Every alternative composition as simple as ``best`` or one deviation costlier,
    within the budget, tried against the items: a name of ``best`` is certain only
    when each alternative without it is excluded by some item.  Alternatives that keep
    every name of ``best`` are skipped (they explain the output with the same mistakes
    and more)."""
    items = fit_items(ctx)
    mine = names(best)
    open_: set[str] = set()
    spent = 0
    depth = min(best.cost + 1, MAX_DEVIATIONS)
    reached = depth
    if ctx.family is None or not mine:
        return Exclusion(frozenset(), False, reached)
    for candidate in candidates(ctx.family, stages, groupings, needs=needs):
        # (equal candidates hash alike: the cached hashes tell most apart at once)
        if (hash(candidate) == hash(best) and candidate == best) \
                or not (mine - names(candidate) - open_):
            continue
        if candidate.cost > depth:
            break
        if spent >= budget:
            reached = candidate.cost - 1
            break
        fits, used = fits_all(ctx, items, candidate)
        spent += used
        if fits:
            open_ |= mine - names(candidate)
            if open_ == mine:
                break
    return Exclusion(frozenset(open_), reached < depth, reached)
