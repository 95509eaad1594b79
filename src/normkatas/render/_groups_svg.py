"""A picture of a statistics mistake: which elements share a mean and variance.

For a diagnosis that knows the axes the student reduced over and the axes the
kata asks for (`Diagnosis.reduced_axes`, `expected_axes`, `layout`, and for
GroupNorm the channel group counts), the tensor is drawn twice as a grid of
tiles (one column of tiles per sample, one row per channel, each tile the
spatial plane) with the elements that share a statistic filled with the same
colour: once as the student's code groups them, once as the kata does.

The colours are the Okabe-Ito palette (distinguishable with the common colour
vision deficiencies), each group also carries its number, and every SVG has a
``<title>`` and an ``aria-label`` that say the same in words.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

from normkatas.report.result import Diagnosis

# Okabe-Ito, without black; text on them is drawn in the colour in TEXT_ON.
PALETTE = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
           "#999999")
TEXT_ON = {"#0072B2": "#ffffff", "#D55E00": "#000000"}
DEFAULT_SIZE = {"N": 2, "C": 3}
"""The smallest tensor drawn (3 for other axes): enough elements to see the pattern, which
does not depend on the sizes; a larger counterexample shape is drawn as it is, cropped."""
MAX_SIZE = {"N": 3, "C": 6}
MAX_SPATIAL = 4
_CELL = 22
_GAP = 8
_LABEL = 44
_TOP = 24


@dataclass(frozen=True)
class GroupPicture:
    title: str
    """``your code: 8 groups, ...``: the text alternative of the picture."""
    svg: Markup


@dataclass(frozen=True)
class _Tensor:
    layout: str
    shape: tuple[int, ...]

    def index(self) -> itertools.product[tuple[int, ...]]:
        return itertools.product(*(range(s) for s in self.shape))


def _tensor(d: Diagnosis) -> _Tensor | None:
    layout = d.layout or ""
    if not layout:
        return None
    shape: list[int]
    cx = d.counterexample
    shape = [DEFAULT_SIZE.get(a, 3) for a in layout]
    if cx is not None and len(cx.shape) == len(layout) and all(s > 0 for s in cx.shape):
        shape = [max(s, d) for s, d in zip(cx.shape, shape, strict=True)]
    shape = [min(s, MAX_SIZE.get(a, MAX_SPATIAL)) for a, s in zip(layout, shape, strict=True)]
    channel = layout.find("C")
    counts = [g for g in (d.groups, d.expected_groups) if g]
    if counts and channel >= 0:
        # channels that every grouping cuts into whole blocks
        step = math.lcm(*counts)
        shape[channel] = step * max(1, shape[channel] // step)
    return _Tensor(layout, tuple(shape))


def _group_ids(t: _Tensor, axes: Sequence[int], groups: int | None) -> dict[tuple[int, ...], int]:
    """Element index -> group number (in order of first appearance)."""
    kept = [a for a in range(len(t.shape)) if a not in axes]
    channel = t.layout.find("C")
    per = t.shape[channel] // groups if groups and channel >= 0 and channel in axes else 0
    numbers: dict[tuple[int, ...], int] = {}
    out = {}
    for idx in t.index():
        key = tuple(idx[a] for a in kept) + ((idx[channel] // per,) if per else ())
        out[idx] = numbers.setdefault(key, len(numbers))
    return out


def _plane(t: _Tensor) -> tuple[list[int], list[int]]:
    """Spatial axes drawn as rows and as columns of a tile."""
    spatial = [i for i, a in enumerate(t.layout) if a not in "NC"]
    if not spatial:
        return [], []
    if len(spatial) == 1:
        return [], spatial
    return spatial[:-1], spatial[-1:]


def _size(t: _Tensor, axes: Sequence[int]) -> int:
    n = 1
    for a in axes:
        n *= t.shape[a]
    return n


def _split(idx: tuple[int, ...], axes: Sequence[int], shape: tuple[int, ...]) -> int:
    pos = 0
    for a in axes:
        pos = pos * shape[a] + idx[a]
    return pos


def _svg(t: _Tensor, ids: dict[tuple[int, ...], int], title: str, heading: str) -> Markup:
    n_axis, c_axis = t.layout.find("N"), t.layout.find("C")
    rows_axes, cols_axes = _plane(t)
    tile_h, tile_w = _size(t, rows_axes) * _CELL, _size(t, cols_axes) * _CELL
    samples = t.shape[n_axis] if n_axis >= 0 else 1
    channels = t.shape[c_axis] if c_axis >= 0 else 1
    width = max(_LABEL + samples * (tile_w + _GAP), 8 * len(heading) + 8)
    height = _TOP + 16 + channels * (tile_h + _GAP)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}" class="groups" aria-label={quoteattr(title)}>',
        f"<title>{escape(title)}</title>",
        '<text x="0" y="15" font-family="sans-serif" font-size="14" font-weight="bold"'
        f' fill="#1b1b1b">{escape(heading)}</text>',
        '<g font-family="sans-serif" font-size="12" fill="#1b1b1b">',
    ]
    if n_axis >= 0:
        parts += [f'<text x="{_LABEL + i * (tile_w + _GAP)}" y="{_TOP + 13}">n={i}</text>'
                  for i in range(samples)]
    if c_axis >= 0:
        parts += [f'<text x="0" y="{_TOP + 10 + j * (tile_h + _GAP) + min(tile_h, _CELL)}">'
                  f"c={j}</text>" for j in range(channels)]
    parts.append("</g>")
    parts.append('<g font-family="sans-serif" font-size="12" text-anchor="middle">')
    for idx, group in ids.items():
        i = idx[n_axis] if n_axis >= 0 else 0
        j = idx[c_axis] if c_axis >= 0 else 0
        x = _LABEL + i * (tile_w + _GAP) + _split(idx, cols_axes, t.shape) * _CELL
        y = _TOP + 16 + j * (tile_h + _GAP) + _split(idx, rows_axes, t.shape) * _CELL
        fill = PALETTE[group % len(PALETTE)]
        ink = TEXT_ON.get(fill, "#000000")
        parts.append(
            f'<rect x="{x}" y="{y}" width="{_CELL}" height="{_CELL}" fill="{fill}"'
            f' stroke="#ffffff" stroke-width="1"/>'
            f'<text x="{x + _CELL / 2:g}" y="{y + _CELL - 7}" fill="{ink}">{group + 1}</text>'
        )
    parts += ["</g>", "</svg>"]
    return Markup("".join(parts))


def _words(t: _Tensor, axes: Sequence[int], groups: int | None, count: int) -> str:
    over = ", ".join(t.layout[a] for a in axes) or "no axis"
    kept = [t.layout[a] for a in range(len(t.layout)) if a not in axes]
    text = f"{count} group{'s' if count != 1 else ''} of elements sharing a mean and variance"
    text += f", statistics over {over}"
    channel = t.layout.find("C")
    if groups and channel in axes:
        text += f" within each of {groups} blocks of consecutive channels"
        kept.append("block of channels")
    if kept:
        text += f" (one group per {' and '.join(kept)})"
    return text


def pictures(d: Diagnosis) -> list[GroupPicture]:
    """The student's grouping and the kata's, or nothing when the diagnosis has no axes."""
    if d.reduced_axes is None or d.expected_axes is None:
        return []
    t = _tensor(d)
    if t is None or not all(0 <= a < len(t.shape) for a in [*d.reduced_axes, *d.expected_axes]):
        return []
    shape = ", ".join(f"{a}={s}" for a, s in zip(t.layout, t.shape, strict=True))
    out = []
    for who, axes, groups in (("your code", d.reduced_axes, d.groups),
                              ("the kata", d.expected_axes, d.expected_groups)):
        ids = _group_ids(t, axes, groups)
        count = len(set(ids.values()))
        title = f"{who}: {_words(t, axes, groups, count)}; drawn on a tensor {shape}"
        out.append(GroupPicture(title, _svg(t, ids, title, f"{who}: {count} groups")))
    return out
