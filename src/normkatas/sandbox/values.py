"""What a call returned, unpacked into the kata's outputs.

The sandbox rebuilds every returned value from bytes as plain arrays, tuples
and lists (`normkatas.sandbox.types`); this module says whether such a value
is ``n`` outputs, and why not when it is not.  Comparison and diagnosis both
read returned values through it.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from normkatas.sandbox.types import ArrayValue, NoneValue, SequenceValue, Value

Problem = Literal["returned-none", "wrong-return-type", "wrong-shape", "refused"]


def as_outputs(value: Value | None, n: int) -> list[np.ndarray] | None:
    """The student's return value as ``n`` arrays, or None when it is not that.

    One output must be an array; several outputs must be a tuple or list of
    exactly ``n`` arrays (scalars are 0-d arrays).
    """
    arrays = [i.array for i in _items(value, n) if isinstance(i, ArrayValue)]
    if len(arrays) != n or any(a is None for a in arrays):
        return None
    return arrays  # type: ignore[return-value]


def _items(value: Value | None, n: int) -> list[Value]:
    """The ``n`` returned values: the value itself, or the items of a sequence of ``n``."""
    if n == 1:
        return [value] if value is not None else []
    if isinstance(value, SequenceValue) and len(value.items) == n:
        return list(value.items)
    return []


def classify_value(value: Value | None, n: int) -> Problem | None:
    """Why a return value cannot be compared at all (None when it can)."""
    if as_outputs(value, n) is not None:
        return None
    if isinstance(value, NoneValue):
        return "returned-none"
    if isinstance(value, ArrayValue) and value.refused:
        return "refused"
    if n > 1 and isinstance(value, SequenceValue):
        refused = any(isinstance(i, ArrayValue) and i.refused for i in value.items)
        return "refused" if refused else "wrong-return-type"
    return "wrong-return-type"


def sized_outputs(value: Value | None, n: int) -> list[ArrayValue] | None:
    """The ``n`` outputs when each is a numeric array, kept or refused for its size."""
    items = [
        i for i in _items(value, n)
        if isinstance(i, ArrayValue) and (i.array is not None or i.refused == "too-large")
    ]
    return items if len(items) == n else None
