"""The backward pass by least squares: the student's dx as a combination of the
terms of the true gradient, each coefficient named.

For each composition of the other stages (ddof, eps, dgamma, affine, the output
order), simplest first and within a budget of counted evaluations:

1. the outputs other than dx must match the student's on every item;
2. on every item whose terms are independent, dx is fitted by least squares on
   the terms (`families.backward.TERMS`), and the fit must reproduce it;
3. each coefficient must be one number ``p`` times ``m ** q`` (``q`` in 0, 1, -1;
   m values per statistic) on all of them;
4. that description, and nothing fitted per item, must reproduce dx within
   tolerance on EVERY item (cases and probes).

A description equal to a named pattern is that variant (`PATTERNS`: its
catalogue entry names it); any other is a ``terms:`` value, which the generic
entry writes out term by term.  When nothing is found, the discrete fit runs as
before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from normkatas.diagnose.context import Context, Item, allclose
from normkatas.diagnose.families import Stages
from normkatas.diagnose.families.backward import PATTERNS, TERMS, Coefficients, decode, encode
from normkatas.diagnose.fit import ORDER, Candidate, candidates, fit_items, fits_all, outputs_of
from normkatas.diagnose.layout import Grouping

MAX_EVALUATIONS = 3000
"""The budget, in item evaluations (a count of work, never a time)."""
POWERS = (0, 1, -1)
AGREE = 1e-4
"""Relative spread within which the per-item coefficients count as one number."""
CONDITION = 1e8
"""Terms whose (column-normalized) matrix is worse conditioned are not independent
on that item: it checks the description but does not estimate it."""

NAMES = {
    "dout": "the dout term",
    "mean": "the mean term",
    "variance": "the variance term",
    "variance-times-var": "the variance term times var + eps",
}


@dataclass(frozen=True)
class TermFit:
    candidate: Candidate
    coefficients: Coefficients


def fit_terms(
    ctx: Context, stages: Stages, groupings: Sequence[tuple[Grouping, int]],
    budget: int = MAX_EVALUATIONS,
) -> TermFit | None:
    """The simplest composition whose dx is a fixed combination of the terms."""
    family = ctx.family
    terms_of = getattr(family, "terms", None)
    if family is None or terms_of is None or "dx" not in stages:
        return None
    items = fit_items(ctx)
    if not items:
        return None
    others = {**stages, "dx": (stages["dx"][0],)}
    spent = 0
    for candidate in candidates(family, others, groupings):
        coefficients, spent = _coefficients(ctx, candidate, items, spent)
        if spent > budget:
            return None
        if coefficients is None:
            continue
        value = encode(coefficients)
        assignment = tuple((s, value if s == "dx" else v) for s, v in candidate.assignment)
        deviations = candidate.deviations + ((("dx", value),) if value != "right" else ())
        final = Candidate(assignment, candidate.grouping, deviations, candidate.axes_cost)
        fits, used = fits_all(ctx, items, final)
        spent += used
        if spent > budget:
            return None
        if fits:
            return TermFit(final, coefficients)
    return None


def _coefficients(
    ctx: Context, candidate: Candidate, items: list[Item], spent: int
) -> tuple[Coefficients | None, int]:
    assert ctx.family is not None
    variant = candidate.variant
    order = variant.get(ORDER)
    names = order.split(",") if order else [str(r) for r in ctx.output_roles]
    if "dx" not in names:
        return None, spent
    k = names.index("dx")
    seen: list[tuple[int, np.ndarray]] = []
    for item in items:
        spent += 1
        assert item.outputs is not None
        outputs = outputs_of(ctx.kata, ctx.family, ctx.output_roles, item.kwargs, variant,
                             candidate.grouping, item.cache)
        if outputs is None:
            return None, spent
        for j, (yours, right) in enumerate(zip(item.outputs, outputs, strict=True)):
            if j != k and not allclose(yours, right, item.tol.rtol, item.tol.atol):
                return None, spent
        try:
            terms, m = ctx.family.terms(  # type: ignore[attr-defined]
                ctx.kata, item.kwargs, variant, candidate.grouping, item.cache)
        except (ValueError, TypeError, KeyError, IndexError, ZeroDivisionError):
            return None, spent
        fitted = _least_squares(terms, item.outputs[k], item)
        if fitted is False:
            return None, spent  # dx is not a combination of the terms here
        if isinstance(fitted, np.ndarray):
            seen.append((m, fitted))
    if not seen:
        return None, spent
    return describe(seen), spent


def _least_squares(
    terms: list[np.ndarray], dx: np.ndarray, item: Item
) -> np.ndarray | bool | None:
    """The coefficients on this item; None when the terms are not independent here,
    False when no combination reproduces dx."""
    a = np.stack([np.asarray(t, dtype=np.float64).ravel() for t in terms], axis=1)
    b = np.asarray(dx, dtype=np.float64).ravel()
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return None
    norms = np.linalg.norm(a, axis=0)
    if np.any(norms == 0) or a.shape[0] < a.shape[1]:
        return None
    scaled = a / norms
    if np.linalg.cond(scaled) > CONDITION:
        return None
    solution, *_ = np.linalg.lstsq(scaled, b, rcond=None)
    if not allclose(b, scaled @ solution, item.tol.rtol, item.tol.atol):
        return False
    coefficients: np.ndarray = solution / norms
    return coefficients


def describe(seen: list[tuple[int, np.ndarray]]) -> Coefficients | None:
    """One ``p * m ** q`` per term that agrees with every item's coefficient."""
    out = []
    for t in range(len(TERMS)):
        found = None
        for q in POWERS:
            values = np.array([c[t] / float(m) ** q for m, c in seen])
            centre = float(np.median(values))
            if np.all(np.abs(values - centre) <= AGREE * max(1.0, abs(centre))):
                found = (_snap(centre), q)
                break
        if found is None:
            return None
        out.append(found if found[0] != 0 else (0.0, 0))
    return tuple(out)


def _snap(value: float) -> float:
    """A fitted number as it is written: an integer when it is one, else 6 digits."""
    if abs(value) < 1e-6:
        return 0.0
    nearest = round(value)
    if abs(value - nearest) <= 1e-6 * max(1.0, abs(value)):
        return float(nearest)
    return float(f"{value:.6g}")


# -- words ---------------------------------------------------------------------------


def coefficient_text(p: float, q: int, m_name: str = "N") -> str:
    """``-1``, ``0``, ``-N``, ``0.5 / N``."""
    number = f"{p:g}"
    if q == 0 or p == 0:
        return number
    unit = m_name if q == 1 else f"1/{m_name}"
    if p == 1:
        return unit
    if p == -1:
        return f"-{unit}"
    return f"{number} * {unit}" if q == 1 else f"{number}/{m_name}"


def differences(value: str, m_name: str = "N") -> list[tuple[str, str, str]]:
    """(term, yours, right) for each term whose coefficient is not the right one."""
    yours, right = decode(value), PATTERNS["right"]
    out = []
    for name, (p, q), (rp, rq) in zip(TERMS, yours, right, strict=True):
        if (float(p), q if p else 0) != (float(rp), rq if rp else 0):
            out.append((NAMES[name], coefficient_text(p, q, m_name),
                        coefficient_text(rp, rq, m_name)))
    return out


def facts(value: str, m_name: str) -> Mapping[str, Any]:
    """Words for a dx value's coefficients: ``terms_text`` (each differing one named)
    and ``terms_formula`` (the student's dx written out)."""
    diffs = differences(value, m_name)
    parts = [f"{term}: its coefficient is {yours}, it should be {right}"
             for term, yours, right in diffs]
    return {
        "terms_text": "; ".join(parts),
        "terms_formula": formula(decode(value), m_name),
    }


def formula(coefficients: Coefficients, m_name: str = "N") -> str:
    """``gamma / std * (dout - 0.5 * mean(dout) - x_hat * mean(dout * x_hat))``."""
    pieces = {
        "dout": "dout",
        "mean": "mean(dout)",
        "variance": "x_hat * mean(dout * x_hat)",
        "variance-times-var": "x_hat * mean(dout * x_hat) * (var + eps)",
    }
    out = ""
    for name, (p, q) in zip(TERMS, coefficients, strict=True):
        if p == 0:
            continue
        c = coefficient_text(abs(p), q, m_name)
        sign = "-" if p < 0 else "+"
        piece = pieces[name] if c == "1" else f"{c} * {pieces[name]}"
        out += (f" {sign} {piece}" if out else (f"-{piece}" if sign == "-" else piece))
    return f"gamma / std * ({out or '0'})"
