"""Axes by role: which axis is the batch, the channel, the spatial ones.

Catalogue entries define their axis sets by role (``all but the batch axis``)
so the same entry works for NCHW, NC and N layouts.  A `Grouping` says who
shares statistics: the reduced axes, and optionally the number of
consecutive channel groups (GroupNorm).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from normkatas.spec.model import Kata


@dataclass(frozen=True)
class Grouping:
    """Statistics shared over ``axes``; ``groups`` cuts the channel axis into
    that many consecutive blocks (an int, or the name of the parameter that
    holds it), each with its own statistics."""

    axes: frozenset[int]
    groups: int | str | None = None
    block: int | str | None = None
    """Channels per group (an int, or the parameter that holds it), when that and
    not the number of groups is what is fixed."""
    rows_axis: int | None = None
    """Statistics per row of the input reshaped to (size of this axis, -1) in memory
    order (``X.reshape(C, -1)`` without moving C first): runs of consecutive values
    that are not aligned with any axis.  ``axes`` is then every axis."""
    interleaved: bool = False
    """Groups take every ``groups``-th channel (channel c in group c % groups), as a
    reshape to (C // groups, groups) does, instead of consecutive channels."""

    @property
    def grouped(self) -> bool:
        return self.groups is not None or self.block is not None

    def count(self, kwargs: Any, channels: int | None = None) -> int | None:
        """The number of channel groups for a call (``channels``: the channel count)."""
        if self.block is not None:
            block = self.block
            if isinstance(block, str):
                value = kwargs.get(block) if hasattr(kwargs, "get") else None
                block = int(value) if isinstance(value, (int, float)) else 0
            if channels is None or block <= 0 or channels % block:
                return None
            return channels // block
        if isinstance(self.groups, str):
            value = kwargs.get(self.groups) if hasattr(kwargs, "get") else None
            return int(value) if isinstance(value, (int, float)) else None
        return self.groups


@dataclass(frozen=True)
class Layout:
    letters: str

    @property
    def ndim(self) -> int:
        return len(self.letters)

    def axis(self, letter: str) -> int | None:
        i = self.letters.find(letter)
        return i if i >= 0 else None

    @property
    def batch(self) -> int | None:
        return self.axis("N")

    @property
    def channel(self) -> int | None:
        return self.axis("C")

    @property
    def spatial(self) -> tuple[int, ...]:
        return tuple(i for i, a in enumerate(self.letters) if a not in "NC")

    @property
    def all(self) -> frozenset[int]:
        return frozenset(range(self.ndim))

    def to_index(self, axis: int | str) -> int:
        if isinstance(axis, int):
            return axis
        i = self.axis(axis)
        if i is None:
            raise ValueError(f"axis {axis!r} is not in layout {self.letters}")
        return i

    # -- words ----------------------------------------------------------
    def letter(self, axis: int) -> str:
        """The axis's letter as katas write it: the feature axis of a layout without
        spatial axes is ``D`` (shape (N, D)), a channel axis ``C``."""
        letter = self.letters[axis]
        return "D" if letter == "C" and not self.spatial else letter

    @property
    def shown(self) -> str:
        """The layout as katas write it (``ND`` for the feature layout)."""
        return "".join(self.letter(a) for a in range(self.ndim))

    def names(self, axes: Iterable[int]) -> str:
        """``C, H, W``."""
        return ", ".join(self.letter(a) for a in sorted(axes))

    def noun(self, axis: int) -> str:
        letter = self.letters[axis]
        if letter == "N":
            return "sample"
        if letter == "C":
            return "channel" if self.spatial else "feature"
        return "position" if len(self.spatial) > 1 else "step"

    def per(self, kept: Iterable[int]) -> str:
        """How statistics over the complement are indexed: ``per sample and channel``."""
        kept = sorted(set(kept))
        if not kept:
            return "over the whole input"
        words: list[str] = []
        for a in kept:
            word = self.noun(a)
            if word not in words:
                words.append(word)
        if len(words) == 1:
            return f"per {words[0]}"
        return "per " + ", ".join(words[:-1]) + " and " + words[-1]

    def per_grouping(self, grouping: Grouping) -> str:
        kept = self.all - grouping.axes
        base = self.per(kept)
        if grouping.grouped:
            return f"{base} and group of channels" if kept else "per group of channels"
        return base


def ints(axes: Iterable[int]) -> str:
    """``1, 2, 3``."""
    return ", ".join(str(a) for a in sorted(axes))


def as_tuple(axes: Iterable[int]) -> str:
    """``(0, 2, 3)``; a single axis as ``(0,)``."""
    items = sorted(axes)
    return f"({items[0]},)" if len(items) == 1 else "(" + ints(items) + ")"


def kata_layout(kata: Kata) -> Layout | None:
    return Layout(kata.structure.layout) if kata.structure is not None else None


def expected_grouping(kata: Kata) -> Grouping | None:
    s = kata.structure
    if s is None:
        return None
    layout = Layout(s.layout)
    try:
        axes = frozenset(layout.to_index(a) for a in s.reduce)
    except ValueError:
        return None
    return Grouping(axes, s.roles.get("groups"))


def affine_axis(kata: Kata) -> int | None:
    s = kata.structure
    if s is None or s.affine_axis is None:
        return None
    try:
        return Layout(s.layout).to_index(s.affine_axis)
    except ValueError:
        return None
