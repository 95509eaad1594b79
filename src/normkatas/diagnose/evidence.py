"""Evidence: numbers from a visible call that betray the mistake.

Every builder compares the student's output with what it would be without
the mistake (the fitted formula with that one stage put right; the reference
when it is the only mistake), per statistics group where that makes sense.
Builders are generic numeric views; entries pick them and label them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from normkatas.diagnose.context import Context, Item
from normkatas.diagnose.families import arg, group_stats, reduce_axes
from normkatas.diagnose.layout import Grouping
from normkatas.report.result import Evidence

MAX_VALUES = 6


Numbers = list[float | None]


def num(value: float) -> float | None:
    """Six significant digits (enough to read, stable across platforms); None
    for NaN (JSON has none; renderers show it as nan), infinity kept."""
    v = float(value)
    if np.isnan(v):
        return None
    if np.isinf(v):
        return v
    return 0.0 if abs(v) < 1e-12 else float(f"{v:.6g}")


def nums(values: Any) -> Numbers:
    return [num(v) for v in np.asarray(values, dtype=np.float64).ravel()[:MAX_VALUES]]


def _count(
    grouping: Grouping, kwargs: Mapping[str, Any], shape: tuple[int, ...], channel: int | None
) -> int | None:
    if not grouping.grouped or channel is None or channel >= len(shape):
        return None
    return grouping.count(kwargs, shape[channel])


def per_group(
    array: np.ndarray,
    grouping: Grouping,
    kwargs: Mapping[str, Any],
    channel: int | None,
    reduce: Callable[..., Any],
) -> np.ndarray:
    """``reduce`` (np.mean, np.var, np.sum) over each statistics group, flattened."""
    groups = _count(grouping, kwargs, array.shape, channel)
    if groups is not None and channel is not None:
        size = array.shape[channel]
        shape = (*array.shape[:channel], groups, size // groups, *array.shape[channel + 1 :])
        array = array.reshape(shape)
    axes, _ = reduce_axes(grouping.axes, groups, channel)
    with np.errstate(all="ignore"):
        return np.asarray(reduce(array, axis=axes)).ravel()


def group_ids(
    shape: tuple[int, ...], grouping: Grouping, kwargs: Mapping[str, Any], channel: int | None
) -> np.ndarray:
    """Each element's statistics group, as one integer."""
    index = np.indices(shape)
    groups = _count(grouping, kwargs, shape, channel)
    ids = np.zeros(shape, dtype=np.int64)
    for a, n in enumerate(shape):
        if a not in grouping.axes:
            ids = ids * n + index[a]
        elif a == channel and groups:
            ids = ids * groups + index[a] // (n // groups)
    return ids


def _smallest_group(
    ctx: Context, item: Item, grouping: Grouping, yours: np.ndarray, right: np.ndarray
) -> tuple[np.ndarray, float]:
    """A boolean mask of the statistics group whose input varies least, among
    the groups where the two outputs differ."""
    assert ctx.layout is not None
    x = np.asarray(arg(ctx.kata, item.kwargs, "input"), dtype=np.float64)
    var, _ = input_variance(ctx, item, grouping, x)
    ids = group_ids(x.shape, grouping, item.kwargs, ctx.layout.channel)
    with np.errstate(all="ignore"):
        differs = ~np.isclose(yours, right, rtol=item.tol.rtol, atol=item.tol.atol,
                              equal_nan=True)
    candidates = np.where(np.isin(ids, ids[differs]), var, np.inf).ravel()
    if not np.isfinite(candidates).any():
        candidates = var.ravel()
    first = int(np.nanargmin(candidates))
    mask: np.ndarray = ids == ids.ravel()[first]
    return mask, float(var.ravel()[first])


def build(
    ctx: Context,
    kind: str,
    item: Item,
    yours: np.ndarray,
    right: np.ndarray,
    grouping: Grouping,
) -> tuple[Numbers, Numbers, dict[str, str]]:
    """(yours, expected) numbers for one evidence row, and facts for its label."""
    channel = ctx.layout.channel if ctx.layout is not None else None
    with np.errstate(all="ignore"):
        if kind in ("group_mean", "group_var", "group_sum"):
            reducers: dict[str, Callable[..., Any]] = {
                "group_mean": np.mean, "group_var": np.var, "group_sum": np.sum
            }
            fn = reducers[kind]
            return (
                nums(per_group(yours, grouping, item.kwargs, channel, fn)),
                nums(per_group(right, grouping, item.kwargs, channel, fn)),
                {},
            )
        if kind == "group_ratio":
            a = per_group(yours, grouping, item.kwargs, channel, np.var)
            b = per_group(right, grouping, item.kwargs, channel, np.var)
            return nums(a / b), nums(np.ones_like(a)), {}
        if kind == "smallest_group":
            mask, variance = _smallest_group(ctx, item, grouping, yours, right)
            return nums(yours[mask]), nums(right[mask]), {"group_var": f"{variance:.3g}"}
        if kind == "nonfinite":
            bad = ~np.isfinite(yours) & np.isfinite(right)
            return [float(bad.sum())], [0.0], {}
        return nums(yours), nums(right), {}


def row(label: str, yours: Numbers, expected: Numbers, note: str) -> Evidence:
    return Evidence(label=label, yours=yours, expected=expected, note=note)


def group_size(ctx: Context, item: Item, grouping: Grouping) -> int:
    assert ctx.layout is not None
    x = np.asarray(arg(ctx.kata, item.kwargs, "input"))
    m = 1
    for a in grouping.axes:
        if a < x.ndim:
            m *= x.shape[a]
    groups = _count(grouping, item.kwargs, x.shape, ctx.layout.channel)
    if groups:
        m //= groups
    return m


def telling(yours: Numbers, expected: Numbers) -> bool:
    """Whether an evidence row shows a difference worth reading."""
    if not expected or len(yours) != len(expected):
        return True
    a = np.array([np.nan if v is None else v for v in yours], dtype=np.float64)
    b = np.array([np.nan if v is None else v for v in expected], dtype=np.float64)
    return not np.allclose(a, b, rtol=1e-3, atol=1e-6, equal_nan=True)


def differing_variance(
    ctx: Context, item: Item, grouping: Grouping, yours: np.ndarray, right: np.ndarray
) -> float:
    """The smallest input variance among the groups where the outputs differ."""
    assert ctx.layout is not None
    x = np.asarray(arg(ctx.kata, item.kwargs, "input"), dtype=np.float64)
    if yours.shape != x.shape or right.shape != x.shape:
        return float("inf")
    var, _ = input_variance(ctx, item, grouping, x)
    with np.errstate(all="ignore"):
        differs = ~np.isclose(yours, right, rtol=item.tol.rtol, atol=item.tol.atol,
                              equal_nan=True)
    values = var[differs]
    return float(np.nanmin(values)) if values.size else float("inf")


def smallest_variance(ctx: Context, item: Item, grouping: Grouping) -> float:
    assert ctx.layout is not None
    x = np.asarray(arg(ctx.kata, item.kwargs, "input"), dtype=np.float64)
    _, var = input_variance(ctx, item, grouping, x)
    return float(np.nanmin(var))


def input_variance(
    ctx: Context, item: Item, grouping: Grouping, x: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The input's variance per group (``ddof`` 0), broadcast like ``x`` and with the
    reduced axes dropped: read-only, kept in the item's cache (it depends on the item's
    input alone, the same for every submission)."""
    assert ctx.layout is not None
    key = ("input-variance", grouping)
    known: tuple[np.ndarray, np.ndarray] | None = item.cache.get(key)
    if known is None:
        _, full, _, small, _ = group_stats(x, grouping, item.kwargs, ctx.layout, 0)
        full, small = np.array(full), np.array(small)
        full.setflags(write=False)
        small.setflags(write=False)
        known = item.cache[key] = (full, small)
    return known
