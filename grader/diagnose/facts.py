"""Facts: the words and code fragments entry templates are filled with.

Names come from the kata (parameter and output names by role), axes from
its layout, numbers from a visible item.  No misconception is named here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from grader.diagnose.context import Context, Item
from grader.diagnose.entry import Entry
from grader.diagnose.evidence import group_size, smallest_variance
from grader.diagnose.layout import Grouping, Layout, as_tuple, ints

ROLES = (
    "input", "gamma", "beta", "epsilon", "groups", "running_mean", "running_var", "training",
    "momentum", "dout",
)


def matches(pattern: Grouping, grouping: Grouping) -> bool:
    """Whether an axis entry's pattern describes ``grouping``."""
    if not pattern.axes:
        return True
    if pattern.axes != grouping.axes:
        return False
    if pattern.groups == 0:
        return grouping.groups is not None
    return (pattern.groups is None) == (grouping.groups is None)


def axis_entry(entries: Sequence[Entry], layout: Layout, grouping: Grouping) -> Entry | None:
    for entry in entries:
        pattern = entry.axes(layout) if entry.axes is not None else None
        if pattern is not None and matches(pattern, grouping):
            return entry
    return None


def _call(layout: Layout, grouping: Grouping, x: str, fn: str) -> str:
    axes = sorted(grouping.axes)
    if grouping.groups is not None:
        return f"Xg.{fn}(axis=2, keepdims=True)"
    if set(axes) == set(range(layout.ndim)):
        return f"{x}.{fn}()"
    axis = str(axes[0]) if len(axes) == 1 else as_tuple(axes)
    if axes == list(range(len(axes))):
        return f"{x}.{fn}(axis={axis})"
    return f"{x}.{fn}(axis={axis}, keepdims=True)"


def axes_regex(axes: Sequence[int]) -> str:
    """How a student may write these axes after ``axis=``."""
    items = r"\s*,\s*".join(str(a) for a in sorted(axes))
    if len(axes) == 1:
        return rf"(\(\s*{items}\s*,?\s*\)|\[\s*{items}\s*\]|{items}\b)"
    return rf"(\(\s*{items}\s*,?\s*\)|\[\s*{items}\s*\])"


def base(ctx: Context, entries: Sequence[Entry]) -> dict[str, Any]:
    kata = ctx.kata
    facts: dict[str, Any] = {
        "entry": kata.entry,
        "signature": kata.signature,
        "submission": ctx.inp.submission_name,
        "returns_code": ", ".join(o.name for o in kata.returns),
        "output": kata.returns[0].name,
    }
    for role in ROLES:
        facts[role] = ctx.param(role)
    if kata.structure is not None:
        for output_role, name in kata.structure.outputs.items():
            facts[f"{output_role}_name"] = name
    layout, expected = ctx.layout, ctx.expected
    if layout is None or expected is None:
        return facts
    x = facts["input"]
    named = axis_entry([e for e in entries if e.axes is not None and e.name], layout, expected)
    name = named.name if named is not None else "the normalization of this kata"
    facts.update(
        layout=layout.letters,
        expected=layout.names(expected.axes),
        expected_axes=ints(expected.axes),
        expected_tuple=as_tuple(expected.axes),
        expected_per=layout.per_grouping(expected),
        expected_name=name,
        mean_call=_call(layout, expected, x, "mean"),
        var_call=_call(layout, expected, x, "var"),
    )
    facts["expected_description"] = (
        f"{name} reduces over {facts['expected']} (axes {facts['expected_axes']}), one mean and"
        f" variance {facts['expected_per']}"
    )
    setup = f"Xg = {x}.reshape({x}.shape[0], {facts['groups']}, -1)\n" if expected.groups else ""
    facts["stats_code"] = f"{setup}mean = {facts['mean_call']}\nvar = {facts['var_call']}"
    a = ctx.affine
    facts["last_letter"] = layout.letters[-1]
    facts["affine_letter"] = layout.letters[a] if a is not None else "C"
    shape = ["1"] * layout.ndim
    if a is not None:
        shape[a] = "-1"
    facts["affine_shape"] = "(" + ", ".join(shape) + ")"
    reshape = a is not None and a != layout.ndim - 1
    facts["affine_reshape"] = f".reshape{facts['affine_shape']}" if reshape else ""
    return facts


def axes(ctx: Context, grouping: Grouping, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    layout = ctx.layout
    assert layout is not None
    facts: dict[str, Any] = {
        "reduced": layout.names(grouping.axes),
        "reduced_axes": ints(grouping.axes),
        "reduced_tuple": as_tuple(grouping.axes),
        "reduced_per": layout.per_grouping(grouping),
        "kept": layout.names(layout.all - grouping.axes),
        "axes_regex": axes_regex(sorted(grouping.axes)),
    }
    groups = grouping.count(kwargs)
    x = np.asarray(kwargs.get(ctx.param("input")))
    if groups and layout.channel is not None and x.ndim == layout.ndim:
        facts["groups_seen"] = groups
        facts["block"] = x.shape[layout.channel] // groups
    return facts


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


def fill_pattern(pattern: str, facts: Mapping[str, Any]) -> str:
    """Fill ``{fact}`` placeholders of a regex, leaving quantifiers like ``{2}`` alone."""

    def sub(match: re.Match[str]) -> str:
        key = match.group(1)
        if key in facts:
            value = str(facts[key])
            return value if key.endswith("regex") else re.escape(value)
        return match.group(0)

    return re.sub(r"\{([A-Za-z_]\w*)\}", sub, pattern)
