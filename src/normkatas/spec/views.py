"""Views of an output (a case's ``compare:``): a slice, a statistic over axes, and
the value a property requires.  Pure numpy; used by grading and `grade check`."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

import numpy as np

from normkatas.spec.model import Axis, Kata, View

_STATISTICS: dict[str, Any] = {
    "mean": np.mean, "std": np.std, "var": np.var, "min": np.min, "max": np.max,
}


class ViewError(ValueError):
    """A view that cannot be applied (a bad slice, an axis out of range)."""


def parse_index(text: str) -> tuple[Any, ...]:
    """``"[:, 0]"`` -> ``(slice(None), 0)``; only integers, slices and ``...``."""
    body = text.strip()
    if not (body.startswith("[") and body.endswith("]")):
        raise ViewError(f"a slice is written in brackets, like `[:, 0]`, got `{text}`")
    try:
        tree = ast.parse(f"x{body}", mode="eval").body
    except SyntaxError:
        raise ViewError(f"`{text}` is not a numpy index") from None
    if not isinstance(tree, ast.Subscript):
        raise ViewError(f"`{text}` is not a numpy index")
    parts = tree.slice.elts if isinstance(tree.slice, ast.Tuple) else [tree.slice]
    return tuple(_part(p, text) for p in parts)


def _int(node: ast.expr | None, text: str) -> int | None:
    if node is None:
        return None
    value = ast.literal_eval(node) if isinstance(node, (ast.Constant, ast.UnaryOp)) else None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ViewError(f"`{text}`: only whole numbers, `:` and `...` may appear in a slice")
    return value


def _part(node: ast.expr, text: str) -> Any:
    if isinstance(node, ast.Slice):
        return slice(_int(node.lower, text), _int(node.upper, text), _int(node.step, text))
    if isinstance(node, ast.Constant) and node.value is Ellipsis:
        return Ellipsis
    return _int(node, text)


def axis_indices(over: list[Axis], layout: str | None, ndim: int) -> tuple[int, ...]:
    out = []
    for axis in over:
        if isinstance(axis, str):
            if layout is None or axis not in layout:
                raise ViewError(f"axis `{axis}` is not a letter of the layout")
            index = layout.index(axis)
        else:
            index = axis
        if not -ndim <= index < ndim:
            raise ViewError(f"axis {axis} is out of range for {ndim} axes")
        out.append(index % ndim)
    return tuple(sorted(set(out)))


def apply_view(view: View, array: np.ndarray, layout: str | None) -> np.ndarray:
    """The view of one output array (float64): the slice first, then the statistic (whose
    axis letters name the layout's axes while the slice keeps them all)."""
    a = np.asarray(array, dtype=np.float64)
    if view.slice is not None:
        try:
            a = np.asarray(a[parse_index(view.slice)])
        except IndexError as exc:
            raise ViewError(f"slice `{view.slice}`: {exc}") from None
    if view.statistic is not None:
        ndim = a.ndim
        letters = layout if layout is not None and len(layout) == ndim else None
        axes = axis_indices(view.over, letters, ndim) if view.over else tuple(range(ndim))
        with np.errstate(all="ignore"):
            a = np.asarray(_STATISTICS[view.statistic](a, axis=axes))
    return a


def target(view: View, reference_view: np.ndarray, kwargs: Mapping[str, Any]) -> np.ndarray:
    """What the view must equal: ``equals`` (broadcast to the reference view's shape),
    or the reference view itself."""
    if view.equals is None:
        return reference_view
    value = kwargs.get(view.equals) if isinstance(view.equals, str) else view.equals
    wanted = np.asarray(value, dtype=np.float64)
    try:
        out: np.ndarray = np.broadcast_to(wanted, reference_view.shape).copy()
    except ValueError:
        raise ViewError(f"`equals` has shape {wanted.shape}, the view {reference_view.shape}")\
            from None
    return out


def label(view: View) -> str:
    """``out.std(over N)[0:2]``: how a report names a view."""
    text = view.output
    if view.statistic is not None:
        over = ", ".join(str(a) for a in view.over) or "all"
        text += f".{view.statistic}(over {over})"
    if view.slice is not None:
        text += view.slice.strip()
    return text


def layout_of(kata: Kata) -> str | None:
    return kata.structure.layout if kata.structure is not None else None
