"""Numbers right, form wrong: the right formula, returned in a lossy form.

Each detector claims its mistake only when EVERY call where the student
returned the right shapes agrees with the reference once that form is
applied to it (rounded to k decimals, truncated to integers, computed in
float32), and at least one case fails because of it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from normkatas.diagnose.catalogue.common import names, plural
from normkatas.diagnose.context import Context, Item, allclose
from normkatas.diagnose.entry import Entry, EvidenceSpec, Finding, Text
from normkatas.diagnose.evidence import num
from normkatas.report.result import Evidence
from normkatas.sandbox.types import ArrayValue, SequenceValue, Value

MAX_DECIMALS = 8
FLOAT32_RTOL = 1e-3
"""How far a float32 computation may drift, relative to the output's scale."""


def _kinds(value: Value | None) -> list[str]:
    """The numpy kind of each returned array (``i`` integer, ``f`` float...)."""
    values = [value] if isinstance(value, ArrayValue) else (
        list(value.items) if isinstance(value, SequenceValue) else [])
    out: list[str] = []
    for v in values:
        if isinstance(v, ArrayValue):
            try:
                out.append(str(np.dtype(v.dtype).kind))
            except TypeError:
                out.append("?")
    return out


def _shaped(ctx: Context) -> list[Item]:
    return [i for i in ctx.items if i.shaped and i.outputs is not None and i.reference]


def _failing(ctx: Context) -> list[Item]:
    return [i for i in ctx.cases if i.separated]


def _all(items: list[Item], same: Callable[[np.ndarray, np.ndarray], bool]) -> bool:
    for item in items:
        assert item.outputs is not None and item.reference is not None
        for a, b in zip(item.outputs, item.reference, strict=True):
            if not same(a, b):
                return False
    return True


def _finding(entry: Entry, ctx: Context, failing: list[Item], **facts: object) -> list[Finding]:
    facts = {"cases": names(failing), "count": plural(len(failing), "case"), **facts}
    return [Finding(entry, dict(facts), cases=[i.key for i in failing])]


def _integer(ctx: Context) -> list[Finding]:
    failing = _failing(ctx)
    if not failing or not any(
        kind in "iu" for i in failing if i.call is not None for kind in _kinds(i.call.value)
    ):
        return []
    items = _shaped(ctx)
    for name, fn in (("truncated", np.trunc), ("rounded", np.round), ("floored", np.floor)):
        if all(_integral_or_right(i, fn) for i in items):
            return _finding(INTEGER_OUTPUT, ctx, failing, how=name)
    return []


def _integral_or_right(item: Item, fn: Callable[[np.ndarray], np.ndarray]) -> bool:
    """Integer outputs equal ``fn`` of the reference; the others are right."""
    assert item.outputs is not None and item.reference is not None
    kinds = _kinds(item.call.value) if item.call is not None else []
    if len(kinds) != len(item.outputs):
        return False
    for kind, a, b in zip(kinds, item.outputs, item.reference, strict=True):
        with np.errstate(all="ignore"):
            if kind in "iu":
                if not np.array_equal(a, fn(b)):
                    return False
            elif not allclose(a, b, item.tol.rtol, item.tol.atol):
                return False
    return True


def _rounded(ctx: Context) -> list[Finding]:
    failing = _failing(ctx)
    if not failing or _integer(ctx):
        return []
    items = _shaped(ctx)
    for k in range(MAX_DECIMALS + 1):
        if _all(items, functools.partial(_rounded_to, decimals=k)):
            return _finding(ROUNDED_OUTPUT, ctx, failing, decimals=k)
    return []


def _rounded_to(a: np.ndarray, b: np.ndarray, decimals: int) -> bool:
    """``a`` holds values with ``decimals`` decimals, each within half a unit of ``b``
    (to float32's precision: a float32 input is rounded in float32)."""
    with np.errstate(all="ignore"):
        if not allclose(a, np.round(a, decimals), 1e-6, 1e-9):
            return False
        half = 0.5 * 10.0**-decimals
        return bool(np.all(np.abs(a - b) <= half * (1 + 1e-3) + 1e-6 * np.abs(b)))


def _float32(ctx: Context) -> list[Finding]:
    failing = _failing(ctx)
    if not failing:
        return []
    x = ctx.param("input")
    if not all(np.asarray(i.kwargs.get(x)).dtype == np.float64 for i in failing):
        return []
    items = _shaped(ctx)

    def single(a: np.ndarray, b: np.ndarray) -> bool:
        with np.errstate(all="ignore"):
            representable = np.array_equal(a, a.astype(np.float32).astype(np.float64),
                                           equal_nan=True)
        scale = float(np.max(np.abs(b), initial=0.0)) if np.isfinite(b).all() else 0.0
        return representable and allclose(a, b, FLOAT32_RTOL, FLOAT32_RTOL * max(scale, 1.0))

    if not _all(items, single):
        return []
    found = _finding(FLOAT32_PRECISION, ctx, failing)
    shown = next((i for i in failing if i.visible), None)
    if shown is not None and shown.outputs is not None and shown.reference is not None:
        found[0].evidence.append(_largest_difference(ctx, shown))
    return found


def _largest_difference(ctx: Context, item: Item) -> Evidence:
    """The element furthest from the reference, in full: float32's 7 digits show."""
    assert item.outputs is not None and item.reference is not None
    best: tuple[float, int, tuple[int, ...], float, float] = (-1.0, 0, (), 0.0, 0.0)
    for k, (a, b) in enumerate(zip(item.outputs, item.reference, strict=True)):
        with np.errstate(all="ignore"):
            rel = np.abs(a - b) / np.maximum(np.abs(b), 1e-12)
        if rel.size and np.isfinite(rel).any():
            i = int(np.nanargmax(np.where(np.isfinite(rel), rel, -1.0)))
            if float(rel.ravel()[i]) > best[0]:
                index = tuple(int(j) for j in np.unravel_index(i, a.shape))
                best = (float(rel.ravel()[i]), k, index, float(a.ravel()[i]), float(b.ravel()[i]))
    rel, k, index, yours, right = best
    where = ", ".join(str(j) for j in index)
    name = ctx.kata.returns[k].name + (f"[{where}]" if where else "")
    return Evidence(
        label=f"{name} on {item.label}: yours {yours:.9g}, reference {right:.9g}",
        yours=[num(rel)], expected=[0.0],
        note="relative difference; float32 keeps about 7 significant digits",
    )


INTEGER_OUTPUT = Entry(
    id="integer-output",
    category="output",
    text=Text(
        title="output returned as integers",
        notes=(
            "your values are the reference's {how} to whole numbers: the formula is right, but"
            " the array holding the result has an integer dtype ({count}: {cases})",
            "an integer array (np.zeros_like of an integer array, astype(int), np.empty(...,"
            " dtype=int)) cuts off every fraction it is given",
        ),
        help="create the output as a float array",
        help_code="{output} = np.zeros({input}.shape, dtype=np.float64)",
    ),
    source=(r"astype\(\s*(np\.)?u?int", r"dtype\s*=\s*(np\.)?u?int", r"\bint\(",
            r"zeros_like\(", r"empty_like\("),
    evidence=(EvidenceSpec("output", "{output}, {where}"),),
    detect=_integer,
)

ROUNDED_OUTPUT = Entry(
    id="rounded-output",
    category="output",
    text=Text(
        title="output rounded to {decimals} decimals",
        notes=(
            "your values equal the reference's rounded to {decimals} decimals on every input"
            " tried: the formula is right, the rounding loses the rest ({count}: {cases})",
            "the statement prints rounded values to be readable; the function returns them in"
            " full",
        ),
        help="return the values without rounding them",
        help_code="return {returns_code}",
    ),
    source=(r"\bround\(", r"np\.around\("),
    evidence=(EvidenceSpec("output", "{output}, {where}"),),
    detect=_rounded,
)

FLOAT32_PRECISION = Entry(
    id="float32-precision",
    category="output",
    text=Text(
        title="computed in float32 on float64 input",
        notes=(
            "your values agree with the reference to float32's precision (about 7 significant"
            " digits) and hold exactly float32 values: this is precision, not the formula"
            " ({count}: {cases})",
            "where a group's spread is small next to its values (a large mean, a tiny variance),"
            " x - mean cancels most of those digits",
        ),
        help="keep the input's float64: drop the cast to np.float32",
        help_code="{input} = np.asarray({input}, dtype=np.float64)",
    ),
    source=(r"float32",),
    detect=_float32,
)

ENTRIES = [INTEGER_OUTPUT, ROUNDED_OUTPUT, FLOAT32_PRECISION]
