"""Facts: the words and code fragments entry templates are filled with.

Names come from the kata (parameter and output names by role), axes from
its layout, numbers from a visible item.  No misconception is named here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np

from normkatas.diagnose.context import Context, Item
from normkatas.diagnose.entry import Entry
from normkatas.diagnose.evidence import group_size, smallest_variance
from normkatas.diagnose.families import role
from normkatas.diagnose.layout import (
    Grouping,
    Layout,
    affine_axis,
    as_tuple,
    expected_grouping,
    ints,
    kata_layout,
)
from normkatas.spec.model import FAMILIES, Kata

ROLES = tuple(sorted(set().union(*(roles for roles, _ in FAMILIES.values()))))
"""Every role a kata's structure may name (the spec's table is the one source)."""


def matches(pattern: Grouping, grouping: Grouping) -> bool:
    """Whether an axis entry's pattern describes ``grouping``."""
    if not pattern.axes:
        return True
    if pattern.axes != grouping.axes:
        return False
    if pattern.interleaved != grouping.interleaved or pattern.rows_axis != grouping.rows_axis:
        return False
    if pattern.groups == 0:
        return grouping.grouped
    return pattern.grouped == grouping.grouped


def axis_entry(entries: Sequence[Entry], layout: Layout, grouping: Grouping) -> Entry | None:
    for entry in entries:
        pattern = entry.axes(layout) if entry.axes is not None else None
        if pattern is not None and matches(pattern, grouping):
            return entry
    return None


def _call(layout: Layout, grouping: Grouping, x: str, fn: str) -> str:
    axes = sorted(grouping.axes)
    if grouping.grouped:
        return f"Xg.{fn}(axis=2, keepdims=True)"
    if set(axes) == set(range(layout.ndim)):
        return f"{x}.{fn}()"
    axis = str(axes[0]) if len(axes) == 1 else as_tuple(axes)
    if axes == list(range(len(axes))):
        return f"{x}.{fn}(axis={axis})"
    return f"{x}.{fn}(axis={axis}, keepdims=True)"


def axes_text(axes: Collection[int]) -> str:
    """``axis 0`` or ``axes 0, 2, 3``."""
    return ("axis " if len(axes) == 1 else "axes ") + ints(axes)


def axes_regex(axes: Sequence[int]) -> str:
    """How a student may write these axes after ``axis=``."""
    items = r"\s*,\s*".join(str(a) for a in sorted(axes))
    if len(axes) == 1:
        return rf"(\(\s*{items}\s*,?\s*\)|\[\s*{items}\s*\]|{items}\b)"
    return rf"(\(\s*{items}\s*,?\s*\)|\[\s*{items}\s*\])"


def base(kata: Kata, entries: Sequence[Entry], submission: str = "") -> dict[str, Any]:
    """Facts from the kata alone: names by role, axes, code fragments."""
    facts: dict[str, Any] = {
        "entry": kata.entry,
        "signature": kata.signature,
        "submission": submission,
        "returns_code": ", ".join(o.name for o in kata.returns),
        "output": kata.returns[0].name,
        "each_affine": "the output's",
    }
    for name in ROLES:
        facts[name] = role(kata, name) or name
    if kata.structure is not None:
        for output_role, name in kata.structure.outputs.items():
            facts[f"{output_role}_name"] = name
    layout, expected = kata_layout(kata), expected_grouping(kata)
    if layout is None or expected is None:
        return facts
    x = facts["input"]
    named = axis_entry([e for e in entries if e.axes is not None and e.name], layout, expected)
    name = named.name if named is not None else "the normalization of this kata"
    facts.update(
        layout=layout.shown,
        expected=layout.names(expected.axes),
        expected_axes=ints(expected.axes),
        expected_axes_text=axes_text(expected.axes),
        expected_tuple=as_tuple(expected.axes),
        expected_per=layout.per_grouping(expected),
        expected_name=name,
        mean_call=_call(layout, expected, x, "mean"),
        var_call=_call(layout, expected, x, "var"),
    )
    facts["expected_description"] = (
        f"{name} reduces over {facts['expected']} ({facts['expected_axes_text']}), one mean and"
        f" variance {facts['expected_per']}"
    )
    if expected.grouped:
        facts["expected_description"] = (
            f"{name} cuts the channels into {facts['groups']} groups of consecutive channels"
            f" and reduces over {facts['expected']} within each, one mean and variance"
            f" {facts['expected_per']}"
        )
    setup = f"Xg = {x}.reshape({x}.shape[0], {facts['groups']}, -1)\n" if expected.groups else ""
    facts["stats_code"] = f"{setup}mean = {facts['mean_call']}\nvar = {facts['var_call']}"
    a = affine_axis(kata)
    facts["last_letter"] = layout.letter(layout.ndim - 1)
    facts["affine_letter"] = layout.letter(a) if a is not None else "C"
    facts["affine_noun"] = layout.noun(a) if a is not None else "channel"
    shape = ["1"] * layout.ndim
    if a is not None:
        shape[a] = "-1"
    facts["affine_shape"] = "(" + ", ".join(shape) + ")"
    reshape = a is not None and a != layout.ndim - 1
    facts["affine_reshape"] = f".reshape{facts['affine_shape']}" if reshape else ""
    facts["each_affine"] = f"each {layout.noun(a)}'s" if a is not None else "the output's"
    return facts


def axes(kata: Kata, grouping: Grouping, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Facts about a grouping (``kwargs``: the call it was seen on, for group sizes)."""
    layout = kata_layout(kata)
    assert layout is not None
    facts: dict[str, Any] = {
        "reduced": layout.names(grouping.axes),
        "reduced_axes": ints(grouping.axes),
        "reduced_axes_text": axes_text(grouping.axes),
        "reduced_tuple": as_tuple(grouping.axes),
        "reduced_per": layout.per_grouping(grouping),
        "kept": layout.names(layout.all - grouping.axes),
        "axes_regex": axes_regex(sorted(grouping.axes)),
    }
    x = np.asarray(kwargs.get(role(kata, "input") or "input"))
    same_rank = layout.channel is not None and x.ndim == layout.ndim
    channels = x.shape[layout.channel] if same_rank and layout.channel is not None else None
    groups = grouping.count(kwargs, channels)
    if grouping.rows_axis is not None and x.ndim == layout.ndim and x.size:
        rows = x.shape[grouping.rows_axis]
        facts.update(rows=rows, run=x.size // rows, rows_letter=layout.letter(grouping.rows_axis),
                     rows_noun=layout.noun(grouping.rows_axis))
    groups_param = role(kata, "groups") or "groups"
    if isinstance(kwargs.get(groups_param), int):
        facts["groups_value"] = kwargs[groups_param]
    if groups and layout.channel is not None and x.ndim == layout.ndim:
        facts["groups_seen"] = groups
        facts["block"] = x.shape[layout.channel] // groups
        facts["shares"] = shares(x.shape[layout.channel], groups, grouping.interleaved)
    return facts


def shares(channels: int, groups: int, interleaved: bool) -> str:
    """Who channel 0 shares its statistics with, said as it is: ``channel 0 shares its
    statistics with channels 2 and 4, not with channel 1``."""
    block = channels // groups
    mates = list(range(groups, channels, groups)) if interleaved else list(range(1, block))
    if not mates:
        return "channel 0 shares its statistics with no other channel"
    shown = [str(c) for c in mates[:4]] + (["..."] if len(mates) > 4 else [])
    words = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
    noun = "channel" if len(mates) == 1 else "channels"
    text = f"channel 0 shares its statistics with {noun} {words}"
    outsider = 1 if interleaved and groups > 1 else (block if block < channels else None)
    return text + (f", not with channel {outsider}" if outsider is not None else "")


def _short(value: float) -> str:
    return f"{value:.4g}"


def item(ctx: Context, it: Item | None, grouping: Grouping | None) -> dict[str, Any]:
    """Numbers from one visible item: group size m, the (m - 1)/m ratio..."""
    facts: dict[str, Any] = {"where": "on " + it.label if it is not None else ""}
    if it is None:
        return facts
    if ctx.kata.structure is not None:
        for role, param in ctx.kata.structure.roles.items():
            value = it.kwargs.get(param)
            if isinstance(value, (bool, int, float)):
                facts[f"{role}_value"] = value
    if grouping is None or ctx.layout is None:
        return facts
    try:
        m = group_size(ctx, it, grouping)
        facts["group_var"] = f"{smallest_variance(ctx, it, grouping):.3g}"
    except (ValueError, TypeError, IndexError):
        return facts
    facts.update(m=m, m1=m - 1)
    if m > 1:
        facts.update(ratio=_short((m - 1) / m), factor=_short(math.sqrt((m - 1) / m)))
    return facts


def fill(template: str, facts: Mapping[str, Any]) -> str:
    return template.format_map(dict(facts))


class _Keep(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill_known(template: str, facts: Mapping[str, Any]) -> str:
    """Fill what the facts know; leave the other placeholders as they are."""
    return template.format_map(_Keep(facts))


def fill_pattern(pattern: str, facts: Mapping[str, Any]) -> str:
    """Fill ``{fact}`` placeholders of a regex, leaving quantifiers like ``{2}`` alone."""

    def sub(match: re.Match[str]) -> str:
        key = match.group(1)
        if key in facts:
            value = str(facts[key])
            return value if key.endswith("regex") else re.escape(value)
        return match.group(0)

    return re.sub(r"\{([A-Za-z_]\w*)\}", sub, pattern)
