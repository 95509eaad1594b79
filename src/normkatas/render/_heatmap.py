"""Inline SVG heatmaps of an output: reference, yours, and their difference.

An array is laid out as a grid of tiles, one row of tiles per channel and one
column per sample (NCHW); each tile is the H x W plane.  A statistic taken
over the wrong axes shows as tiles that are shifted or scaled as a block.
Colours come from a diverging palette (ColorBrewer RdBu, blue below zero,
red above), symmetric around zero; NaN is grey.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import numpy as np
from markupsafe import Markup

# ColorBrewer RdBu, 11 classes, from most negative (blue) to most positive (red).
PALETTE = (
    "#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7",
    "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f",
)
NAN_COLOUR = "#999999"
MAX_SAMPLES = 4
MAX_CHANNELS = 4
MAX_SIDE = 16
_GAP = 6
_LABEL = 44
_TOP = 20
_LEGEND_STEPS = 11


@dataclass(frozen=True)
class Panel:
    title: str
    svg: Markup
    low: float
    high: float
    truncated: bool


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


_RGB = [_rgb(c) for c in PALETTE]


def colour(t: float) -> str:
    """The palette colour of `t` in [-1, 1] (clipped); grey for NaN."""
    if math.isnan(t):
        return NAN_COLOUR
    pos = (min(1.0, max(-1.0, t)) + 1.0) / 2.0 * (len(_RGB) - 1)
    i = min(int(pos), len(_RGB) - 2)
    f = pos - i
    a, b = _RGB[i], _RGB[i + 1]
    r, g, bl = (round(a[k] + (b[k] - a[k]) * f) for k in range(3))
    return f"#{r:02x}{g:02x}{bl:02x}"


def as_grid(array: np.ndarray) -> np.ndarray:
    """Any array as (samples, channels, rows, columns)."""
    a = np.asarray(array, dtype=np.float64)
    if a.ndim == 0:
        return a.reshape(1, 1, 1, 1)
    if a.ndim == 1:
        return a.reshape(1, 1, 1, -1)
    if a.ndim == 2:
        return a.reshape(1, 1, *a.shape)
    if a.ndim == 3:
        return a.reshape(a.shape[0], a.shape[1], 1, a.shape[2])
    if a.ndim == 4:
        return a
    return a.reshape(a.shape[0], a.shape[1], a.shape[2], -1)


def _crop(grid: np.ndarray) -> tuple[np.ndarray, bool]:
    n, c, h, w = grid.shape
    out = grid[:MAX_SAMPLES, :MAX_CHANNELS, :MAX_SIDE, :MAX_SIDE]
    return out, out.shape != (n, c, h, w)


def _scale(*arrays: np.ndarray) -> float:
    finite = [np.abs(a[np.isfinite(a)]) for a in arrays]
    peak = max((float(f.max()) for f in finite if f.size), default=0.0)
    return peak if peak > 0 else 1.0


def _svg(grid: np.ndarray, scale: float, title: str, low: float, high: float) -> Markup:
    n, c, h, w = grid.shape
    cell = max(10, min(24, 160 // max(h, w)))
    tile_w, tile_h = w * cell, h * cell
    step = 12
    width = max(_LABEL + n * (tile_w + _GAP), _LABEL + _LEGEND_STEPS * step + 70)
    legend_y = _TOP + c * (tile_h + _GAP) + 4
    height = legend_y + 36
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" aria-label={quoteattr(title)}>',
        f"<title>{escape(title)}</title>",
        '<g font-family="sans-serif" font-size="13" fill="#1b1b1b">',
    ]
    parts += [
        f'<text x="{_LABEL + i * (tile_w + _GAP)}" y="14">n={i}</text>' for i in range(n)
    ]
    parts += [
        f'<text x="0" y="{_TOP + j * (tile_h + _GAP) + min(tile_h, 14)}">c={j}</text>'
        for j in range(c)
    ]
    parts.append("</g>")
    for i in range(n):
        for j in range(c):
            x0, y0 = _LABEL + i * (tile_w + _GAP), _TOP + j * (tile_h + _GAP)
            for r in range(h):
                for k in range(w):
                    fill = colour(float(grid[i, j, r, k]) / scale)
                    parts.append(
                        f'<rect x="{x0 + k * cell}" y="{y0 + r * cell}" width="{cell}"'
                        f' height="{cell}" fill="{fill}"/>'
                    )
    for s in range(_LEGEND_STEPS):
        t = -1.0 + 2.0 * s / (_LEGEND_STEPS - 1)
        parts.append(
            f'<rect x="{_LABEL + s * step}" y="{legend_y}" width="{step}" height="12"'
            f' fill="{colour(t)}"/>'
        )
    right = _LABEL + _LEGEND_STEPS * step
    parts += [
        f'<g font-family="sans-serif" font-size="13" fill="#1b1b1b">'
        f'<text x="0" y="{legend_y + 11}">{_num(-scale)}</text>'
        f'<text x="{right + 4}" y="{legend_y + 11}">{_num(scale)}</text>'
        f'<text x="{_LABEL}" y="{legend_y + 30}">min {_num(low)}, max {_num(high)}</text></g>',
        "</svg>",
    ]
    return Markup("".join(parts))


def _num(x: float) -> str:
    return "nan" if math.isnan(x) else f"{x:.4g}"


def _range(a: np.ndarray) -> tuple[float, float]:
    finite = a[np.isfinite(a)]
    if not finite.size:
        return math.nan, math.nan
    return float(finite.min()), float(finite.max())


def _floats(value: object) -> np.ndarray | None:
    """`value` as a float array, or None when it is empty or not real numbers."""
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        return None
    if array.dtype.kind not in "biuf" or array.size == 0:
        return None
    return array.astype(np.float64)


def panels(yours: object, reference: object) -> list[Panel]:
    """Heatmaps of the reference, the student's output and (same shapes) their difference.

    Nothing when either is empty or not an array of real numbers.
    """
    y, r = _floats(yours), _floats(reference)
    if y is None or r is None:
        return []
    ref, truncated_r = _crop(as_grid(r))
    mine, truncated_y = _crop(as_grid(y))
    scale = _scale(ref, mine)
    out = []
    for title, grid, cut in (("expected", ref, truncated_r), ("yours", mine, truncated_y)):
        low, high = _range(grid)
        out.append(Panel(title, _svg(grid, scale, f"{title} output heatmap", low, high),
                         low, high, cut))
    if y.shape == r.shape:
        diff = mine - ref
        low, high = _range(diff)
        out.append(Panel("yours minus expected",
                         _svg(diff, _scale(diff), "difference heatmap", low, high),
                         low, high, truncated_r))
    return out
