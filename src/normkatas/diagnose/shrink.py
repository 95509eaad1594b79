"""Counterexamples: the smallest visible input that still shows the mistake,
written as a call the student can paste."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import msgspec
import numpy as np

from normkatas.diagnose.context import Context, Item
from normkatas.report.result import Counterexample
from normkatas.spec.model import Kata

MAX_ELEMENTS = 48
"""A shrunk input (1 decimal) larger than this is not worth pasting."""
MAX_CASE_ELEMENTS = 16
"""The same for a case's own input, whose values print with all their digits."""
KIND_ORDER = {"shrink": 0, "case": 1, "base": 2, "perturb": 3}


def number(value: float) -> str:
    """A float as Python would read it back (``1e-05``, ``0.5``, ``nan``)."""
    v = float(value)
    if np.isnan(v):
        return "np.nan"
    if np.isinf(v):
        return "np.inf" if v > 0 else "-np.inf"
    return repr(v)


def literal(value: Any) -> str:
    """Python source for an argument value."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "b":
            return f"np.array({value.tolist()!r})"
        if value.dtype.kind in "iu":
            return f"np.array({value.tolist()!r})"
        body = _nested(np.asarray(value, dtype=np.float64), number)
        if value.ndim == 0:
            return f"np.float64({body})"
        dtype = "" if value.dtype == np.float64 else f", dtype=np.{value.dtype}"
        return f"np.array({body}{dtype})"
    if isinstance(value, float):
        return number(value)
    return repr(value)


def _nested(a: np.ndarray, fmt: Callable[[float], str]) -> str:
    if a.ndim == 0:
        return fmt(float(a))
    return "[" + ", ".join(_nested(sub, fmt) for sub in a) + "]"


def short(value: float) -> str:
    v = float(value)
    if not np.isfinite(v):
        return "nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")
    text = f"{v:.4g}"
    if text in ("-0", "0"):
        return "0.0"
    return text if any(c in text for c in ".e") else text + ".0"


def shown(outputs: Sequence[np.ndarray]) -> str:
    """Outputs rounded to 4 significant digits: ``[[-1, 1]]`` or ``([...], 2.5, 1.25)``."""
    parts = [_nested(np.asarray(o, dtype=np.float64), short) for o in outputs]
    return parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"


def call_text(kata: Kata, kwargs: Mapping[str, Any]) -> str:
    args = []
    for param in kata.params:
        if param.name not in kwargs:
            continue
        text = literal(kwargs[param.name])
        args.append(text if param.default is msgspec.UNSET else f"{param.name}={text}")
    return f"{kata.entry}({', '.join(args)})"


def _finite(item: Item) -> bool:
    return item.finite


def smallest(ctx: Context, keep: Callable[[Item], bool]) -> Item | None:
    """The smallest visible item ``keep`` accepts: finite outputs first (a NaN
    shows less than a wrong number), probes before cases on ties."""
    # Sorted first (stably), then the first one kept: the same item as sorting the
    # kept ones, without running ``keep`` (which may evaluate formulas) on every item.
    ordered = sorted(
        (i for i in ctx.items if i.visible),
        key=lambda i: (not _finite(i), i.size, KIND_ORDER.get(i.kind, 9)),
    )
    return next((i for i in ordered if keep(i)), None)


def counterexample(
    ctx: Context, keep: Callable[[Item], bool]
) -> Counterexample | None:
    """A pasteable call where the student's outputs differ as ``keep`` says."""
    item = smallest(ctx, lambda i: i.shaped and i.separated and keep(i))
    if item is None or _too_big(item):
        return None
    assert item.outputs is not None and item.reference is not None
    return Counterexample(
        call=call_text(ctx.kata, item.kwargs),
        yours=shown(item.outputs),
        reference=shown(item.reference),
        shape=_shape(ctx, item),
    )


def raising(ctx: Context, exception_type: str) -> Counterexample | None:
    """The smallest visible call that raises ``exception_type`` in the student's code."""

    def keep(i: Item) -> bool:
        c = i.call
        return (
            c is not None and c.exception is not None and c.status == "exception"
            and c.exception.type == exception_type and i.reference is not None
        )

    item = smallest(ctx, keep)
    if item is None or _too_big(item) or item.call is None:
        return None
    exc = item.call.exception
    assert exc is not None and item.reference is not None
    return Counterexample(
        call=call_text(ctx.kata, item.kwargs),
        yours=f"{exc.type}: {exc.message.strip()}" if exc.message.strip() else exc.type,
        reference=shown(item.reference),
        shape=_shape(ctx, item),
    )


def _too_big(item: Item) -> bool:
    return item.size > (MAX_ELEMENTS if item.kind == "shrink" else MAX_CASE_ELEMENTS)


def _shape(ctx: Context, item: Item) -> list[int]:
    x = item.kwargs.get(ctx.param("input"))
    return list(np.shape(x)) if x is not None else []
