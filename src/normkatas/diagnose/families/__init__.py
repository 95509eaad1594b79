"""Parametrised formula families: a kata's formula as a product of stages.

Each family computes a kata's outputs for any assignment of its stages
(``ddof``: ``0`` or ``1``; ``eps``: ``inside``, ``outside`` or ``none``...),
the first value of every stage being the right one.  Catalogue entries name
stage values; the fit tries assignments, the instructor check runs them as
mutants.  A family knows formulas, never misconceptions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np

from normkatas.diagnose.layout import Grouping, Layout, affine_axis
from normkatas.spec.model import Kata

Stages = dict[str, tuple[str, ...]]
Cache = dict[Any, Any]


class Family(Protocol):
    name: str
    structure_role: str | None
    """The output role whose elements share statistics (perturbation probes)."""
    min_group: int
    """The fewest values per statistic for which the formula is not degenerate."""

    def stages(self, kata: Kata) -> Stages: ...

    def valid(self, variant: Mapping[str, str]) -> bool: ...

    def evaluate(
        self,
        kata: Kata,
        kwargs: Mapping[str, Any],
        variant: Mapping[str, str],
        grouping: Grouping,
        cache: Cache,
    ) -> dict[str, np.ndarray]:
        """Outputs by role; raises (ValueError...) when the variant cannot run."""
        ...

    def probe_kwargs(self, kata: Kata, kwargs: dict[str, Any]) -> dict[str, Any] | None:
        """The base input for perturbation probes, or None when there is none."""
        ...

    def accepts(self, kata: Kata, kwargs: Mapping[str, Any]) -> bool:
        """Whether a shrunk input is a legal call."""
        ...


def f64(value: Any) -> np.ndarray:
    return np.asarray(value, dtype=np.float64)


def input_array(kata: Kata, kwargs: Mapping[str, Any]) -> tuple[Layout, np.ndarray]:
    """The kata's layout and its input role as float64; raises when they disagree."""
    assert kata.structure is not None
    layout = Layout(kata.structure.layout)
    x = f64(arg(kata, kwargs, "input"))
    if x.ndim != layout.ndim:
        raise ValueError("input rank differs from the layout")
    return layout, x


def cached_input(
    kata: Kata, kwargs: Mapping[str, Any], cache: Cache
) -> tuple[Layout, np.ndarray]:
    """`input_array`, kept in the item's cache (every candidate on an item reads it)."""
    known: tuple[Layout, np.ndarray] | None = cache.get(INPUT_ARRAY)
    if known is None:
        known = cache[INPUT_ARRAY] = input_array(kata, kwargs)
    return known


INPUT_ARRAY = ("input-array",)


def role(kata: Kata, name: str) -> str | None:
    return kata.structure.roles.get(name) if kata.structure is not None else None


def arg(kata: Kata, kwargs: Mapping[str, Any], name: str, default: Any = None) -> Any:
    param = role(kata, name)
    return kwargs.get(param, default) if param is not None else default


def reduce_axes(axes: frozenset[int], groups: int | None, channel: int | None) -> tuple[
    tuple[int, ...], int | None
]:
    """Axes of the group-reshaped array (channel split into (groups, C // groups))."""
    if groups is None or channel is None:
        return tuple(sorted(axes)), None
    shifted = []
    for a in sorted(axes):
        shifted.append(a if a < channel else a + 1)
    return tuple(shifted), channel


def group_stats(
    x: np.ndarray, grouping: Grouping, kwargs: Mapping[str, Any], layout: Layout, ddof: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """(mean, var) broadcast like ``x``, (mean, var) with reduced axes dropped, m."""
    if grouping.rows_axis is not None:
        return _row_stats(x, grouping.rows_axis, ddof)
    channel = layout.channel
    groups = grouping.count(kwargs, x.shape[channel]) if channel is not None else None
    if grouping.grouped and channel is not None:
        if groups is None:
            raise ValueError("no group count")
        size = x.shape[channel]
        if groups < 1 or size % groups:
            raise ValueError("groups do not divide the channels")
        split = (size // groups, groups) if grouping.interleaved else (groups, size // groups)
        shape = (*x.shape[:channel], *split, *x.shape[channel + 1 :])
        xr = x.reshape(shape)
        axes, _ = reduce_axes(grouping.axes, groups, channel)
        if grouping.interleaved:  # the channel's position within a group comes first
            axes = tuple(sorted(channel if a == channel + 1 else a for a in axes))
    else:
        xr = x
        axes = tuple(sorted(grouping.axes))
    if any(a >= xr.ndim for a in axes):
        raise ValueError("axis out of range")
    m = int(np.prod([xr.shape[a] for a in axes])) if axes else 1
    with np.errstate(all="ignore"):
        mean = xr.mean(axis=axes, keepdims=True) if axes else xr.copy()
        sq = ((xr - mean) ** 2).sum(axis=axes, keepdims=True) if axes else np.zeros_like(xr)
        var = sq / (m - ddof) if m - ddof > 0 else sq * np.nan
    full_mean = np.broadcast_to(mean, xr.shape).reshape(x.shape)
    full_var = np.broadcast_to(var, xr.shape).reshape(x.shape)
    return full_mean, full_var, np.squeeze(mean, axis=axes), np.squeeze(var, axis=axes), m


def _row_stats(
    x: np.ndarray, axis: int, ddof: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """`group_stats` for statistics per row of ``x.reshape(x.shape[axis], -1)``."""
    if axis >= x.ndim or x.shape[axis] < 1:
        raise ValueError("no such axis")
    rows = x.reshape(x.shape[axis], -1)
    m = rows.shape[1]
    with np.errstate(all="ignore"):
        mean = rows.mean(axis=1, keepdims=True)
        sq = ((rows - mean) ** 2).sum(axis=1, keepdims=True)
        var = sq / (m - ddof) if m - ddof > 0 else sq * np.nan
    full_mean = np.broadcast_to(mean, rows.shape).reshape(x.shape)
    full_var = np.broadcast_to(var, rows.shape).reshape(x.shape)
    return full_mean, full_var, mean.ravel(), var.ravel(), m


def place(
    param: Any, mode: str, axis: int | None, ndim: int
) -> np.ndarray:
    """A per-channel parameter shaped to broadcast along ``axis`` (numpy's own
    trailing alignment when ``mode`` is ``last-axis``)."""
    p = f64(param)
    if mode == "batch-axis" and p.ndim == 1 and ndim > 1:
        return p.reshape([-1] + [1] * (ndim - 1))  # a column: lined up with the batch axis
    if mode == "last-axis" or axis is None or p.ndim != 1:
        return p
    shape = [1] * ndim
    shape[axis] = -1
    return p.reshape(shape)


def affine(kata: Kata, kwargs: Mapping[str, Any], x_hat: np.ndarray, mode: str) -> np.ndarray:
    axis = affine_axis(kata)
    gamma = arg(kata, kwargs, "gamma", 1.0)
    beta = arg(kata, kwargs, "beta", 0.0)
    g = place(gamma, mode, axis, x_hat.ndim)
    b = place(beta, mode, axis, x_hat.ndim)
    out: np.ndarray = x_hat  # "none"
    if mode in ("right", "last-axis", "batch-axis"):
        out = g * x_hat + b
    elif mode == "swapped":
        out = b * x_hat + g
    elif mode == "no-gamma":
        out = x_hat + b
    elif mode == "no-beta":
        out = g * x_hat
    return out


def affine_stage(kata: Kata) -> tuple[str, ...]:
    values = ["right"]
    if role(kata, "gamma") and role(kata, "beta"):
        values += ["swapped", "none", "no-gamma", "no-beta"]
    elif role(kata, "gamma"):
        values += ["no-gamma"]
    axis = affine_axis(kata)
    last = kata.structure is not None and axis == len(kata.structure.layout) - 1
    # a (1, C, 1, 1) gamma cannot line up with the last axis, nor be turned into a column
    full_rank = _full_rank_affine(kata)
    if axis is not None and kata.structure is not None and not last and not full_rank:
        values.append("last-axis")
    if (axis is not None and kata.structure is not None and axis != 0 and role(kata, "gamma")
            and not full_rank):
        values.append("batch-axis")
    return tuple(values)


def _full_rank_affine(kata: Kata) -> bool:
    """gamma is declared with the input's rank (``shape: [1, C, 1, 1]``)."""
    name, st = role(kata, "gamma"), kata.structure
    shape = next((p.shape for p in kata.params if p.name == name), None)
    return st is not None and shape is not None and len(shape) == len(st.layout) > 1


def denominator(var: np.ndarray, eps: float, scale: str, where: str) -> np.ndarray | float:
    if scale == "none":
        return 1.0
    out: np.ndarray
    with np.errstate(all="ignore"):
        if scale == "var":
            out = var + eps if where != "none" else var
        elif where == "inside":
            out = np.sqrt(var + eps)
        elif where == "outside":
            out = np.sqrt(var) + eps
        else:
            out = np.sqrt(var)
    return out


def family_for(kata: Kata) -> Family | None:
    if kata.structure is None:
        return None
    from normkatas.diagnose.families import backward, normalization, running

    families: dict[str, Family] = {
        "normalization": normalization.FAMILY,
        "running-norm": running.FAMILY,
        "norm-backward": backward.FAMILY,
    }
    return families.get(kata.structure.family)
