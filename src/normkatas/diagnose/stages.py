"""Each stage checked on its own, for an output no composition of stage variants
explains: which stages are right and where the output first departs.

Stages a kata's outputs expose directly (a returned mean, variance, running
statistic or parameter gradient) are compared as they are.  The normalized
output is read back through the affine step, ``z = (y - beta) / gamma`` per
channel, and its centring (the mean of z per statistics group, 0 when the mean
subtracted is right) and its scaling (the variance of z per group, var /
(var + eps) when the spread is right) are compared with the reference's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from normkatas.diagnose.context import Context, Item, allclose
from normkatas.diagnose.evidence import num, per_group
from normkatas.diagnose.families import arg, place

DIRECT = {
    "mean": "mean", "var": "variance", "running_mean": "running mean",
    "running_var": "running variance", "dgamma": "dgamma", "dbeta": "dbeta",
}


@dataclass(frozen=True)
class StageCheck:
    name: str
    """``your mean per channel``."""
    right: bool
    yours: float | None = None
    expected: float | None = None
    where: str = ""
    """``on channel 0``."""


def check(ctx: Context, item: Item) -> list[StageCheck]:
    """The stages of ``item`` checked one by one: returned statistics, then the
    normalized values' centring and scaling."""
    if item.outputs is None or item.reference is None or not item.shaped:
        return []
    out: list[StageCheck] = []
    for k, output_role in enumerate(ctx.output_roles):  # the statistics first: simplest
        if output_role in DIRECT:
            out.append(_compare(f"your {DIRECT[output_role]}", item.outputs[k],
                                item.reference[k], item, ctx.layout.noun(ctx.affine)
                                if ctx.layout is not None and ctx.affine is not None
                                else "value"))
    for k, output_role in enumerate(ctx.output_roles):
        if output_role == "y":
            out += _normalized(ctx, item, k)
    return out


def _compare(name: str, yours: np.ndarray, right: np.ndarray, item: Item,
             noun: str) -> StageCheck:
    a, b = np.atleast_1d(yours).ravel(), np.atleast_1d(right).ravel()
    if allclose(a, b, item.tol.rtol, item.tol.atol):
        return StageCheck(name, True)
    with np.errstate(all="ignore"):
        bad = ~(np.abs(a - b) <= item.tol.atol + item.tol.rtol * np.abs(b))
    first = int(np.argmax(bad))
    where = f"on {noun} {first}" if a.size > 1 else ""
    return StageCheck(name, False, num(a[first]), num(b[first]), where)


def _normalized(ctx: Context, item: Item, k: int) -> list[StageCheck]:
    layout, grouping = ctx.layout, ctx.expected
    if layout is None or grouping is None or item.outputs is None or item.reference is None:
        return []
    y, ref = item.outputs[k], item.reference[k]
    gamma = arg(ctx.kata, item.kwargs, "gamma", 1.0)
    beta = arg(ctx.kata, item.kwargs, "beta", 0.0)
    with np.errstate(all="ignore"):
        g = place(gamma, "right", ctx.affine, y.ndim)
        b = place(beta, "right", ctx.affine, y.ndim)
        if np.any(np.asarray(g) == 0):
            return []
        z, z_ref = (y - b) / g, (ref - b) / g
    per = layout.per_grouping(grouping)
    out = []
    for label, reduce in (("mean", np.mean), ("variance", np.var)):
        mine = per_group(z, grouping, item.kwargs, layout.channel, reduce)
        right = per_group(z_ref, grouping, item.kwargs, layout.channel, reduce)
        check = _compare(f"the {label} of your normalized values {per}", mine, right, item,
                         _group_noun(ctx))
        out.append(check)
    return out


def _group_noun(ctx: Context) -> str:
    layout, grouping = ctx.layout, ctx.expected
    if layout is None or grouping is None:
        return "group"
    if grouping.grouped:
        return "group"
    kept = sorted(layout.all - grouping.axes)
    return layout.noun(kept[0]) if len(kept) == 1 else "group"


def sentence(checks: list[StageCheck]) -> str:
    """``the mean ... is right; the variance ... is not: yours 1.9, expected 1.2 on
    channel 0``; empty when nothing could be checked."""
    if not checks:
        return ""
    right = [c.name for c in checks if c.right]
    wrong = [c for c in checks if not c.right]
    parts = []
    if right:
        parts.append(" and ".join(right) + (" is" if len(right) == 1 else " are") + " right")
    if wrong:
        w = wrong[0]
        text = f"{w.name} is not: yours {_fmt(w.yours)}, expected {_fmt(w.expected)}"
        parts.append(text + (f" {w.where}" if w.where else ""))
    elif right:
        parts.append("the difference is in how they are combined")
    return "; ".join(parts)


def _fmt(value: float | None) -> str:
    return "nan" if value is None else f"{value:.4g}"
