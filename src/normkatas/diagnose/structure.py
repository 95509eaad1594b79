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
        if a != layout.channel or not contiguous or base.shape[a] % block or coords[0] % block:
            return None
        groups = base.shape[a] // block
    if not axes or int(changed.sum()) < FILL * box:
        return None
    return Grouping(frozenset(axes), groups)


def find_grouping(
    layout: Layout,
    base: np.ndarray,
    perturbed: Sequence[tuple[tuple[int, ...], np.ndarray]],
) -> Grouping | None:
    """The grouping every perturbation agrees on, or None."""
    found = [grouping_of(layout, base, pos, y) for pos, y in perturbed]
    if not found or any(g is None or g != found[0] for g in found):
        return None
    return found[0]
