"""Who shares statistics, read from perturbation probes.

Moving ONE input element changes exactly the outputs that share its
statistics.  The axes along which that moved set spreads are the reduced
axes; a moved set covering a contiguous block of channels (within one
sample) is a channel grouping.  Epsilon, ddof or affine mistakes change
values, not who shares statistics, so this holds whatever else is wrong.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from normkatas.diagnose.layout import Grouping, Layout

RELATIVE = 1e-6
"""An output moved when it changed by more than this times the output's scale."""
FILL = 0.75
"""Fraction of the bounding box the moved set must fill (a few outputs may
happen to move by almost nothing)."""


def moved_set(base: np.ndarray, moved: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        finite = np.isfinite(base)
        scale = float(np.max(np.abs(base[finite]), initial=0.0)) if finite.any() else 0.0
        diff = np.abs(moved - base)
        changed = diff > RELATIVE * max(1.0, scale)
        changed |= np.isfinite(moved) != finite
    result: np.ndarray = changed
    return result


def grouping_of(
    layout: Layout, base: np.ndarray, position: tuple[int, ...], moved: np.ndarray
) -> Grouping | None:
    """The grouping one perturbation reveals, or None when it is irregular."""
    if base.shape != moved.shape or base.ndim != layout.ndim:
        return None
    changed = moved_set(base, moved)
    if not changed[position]:
        return None
    where = np.nonzero(changed)
    axes: set[int] = set()
    groups: int | None = None
    interleaved = False
    box = 1
    for a in range(base.ndim):
        # the sorted distinct indices (np.unique would import numpy.ma: 5-10 ms, once)
        coords = np.flatnonzero(np.bincount(where[a], minlength=base.shape[a]))
        if len(coords) == 1:
            if int(coords[0]) != position[a]:
                return None
            continue
        axes.add(a)
        box *= len(coords)
        if len(coords) == base.shape[a]:
            continue
        block = len(coords)
        contiguous = int(coords[-1] - coords[0]) + 1 == block
        if a != layout.channel or base.shape[a] % block:
            return None
        groups = base.shape[a] // block
        if not contiguous:  # every groups-th channel: an interleaved grouping
            strided = np.array_equal(coords, np.arange(coords[0], base.shape[a], groups))
            if not strided or coords[0] >= groups:
                return None
            interleaved = True
        elif coords[0] % block:
            return None
    if not axes or int(changed.sum()) < FILL * box:
        return None
    return Grouping(frozenset(axes), groups, interleaved=interleaved)


def rows_of(
    layout: Layout, base: np.ndarray, position: tuple[int, ...], moved: np.ndarray
) -> Grouping | None:
    """The moved set as a run of consecutive values in memory order: one row of the
    input reshaped to (size of some axis, -1), or None."""
    if base.shape != moved.shape or base.ndim != layout.ndim or base.ndim < 2:
        return None
    changed = np.flatnonzero(moved_set(base, moved))
    flat = int(np.ravel_multi_index(position, base.shape))
    axes = [a for a in (layout.channel, layout.batch, *range(base.ndim)) if a is not None]
    for axis in dict.fromkeys(axes):
        rows = base.shape[axis]
        if rows < 2 or base.size % rows:
            continue
        run = base.size // rows
        start = flat - flat % run
        if len(changed) == run and changed[0] == start and changed[-1] == start + run - 1:
            return Grouping(layout.all, rows_axis=axis)
    return None


def find_grouping(
    layout: Layout,
    base: np.ndarray,
    perturbed: Sequence[tuple[tuple[int, ...], np.ndarray]],
) -> Grouping | None:
    """The grouping every perturbation agrees on, or None."""
    found = [grouping_of(layout, base, pos, y) for pos, y in perturbed]
    if not found or any(g is None or g != found[0] for g in found):
        rows = [rows_of(layout, base, pos, y) for pos, y in perturbed]
        if rows and all(g is not None and g == rows[0] for g in rows):
            return rows[0]
        return None
    return found[0]
