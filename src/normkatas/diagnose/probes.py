"""The extra calls the diagnosis asks the sandbox to make (built from inputs only).

- ``probe/base`` and ``probe/perturb/<i>``: the kata's probe case, then the same
  input with ONE element moved, at a few positions in different samples and
  channels: which outputs move tells who shares statistics.
- ``probe/shrink/<i>``: small slices of visible cases (every axis cut to 1-3
  elements, values rounded to 1 decimal, per-channel parameters sliced along the
  affine axis): the counterexample is the smallest of them that still separates
  the submission from the reference.

Only visible cases are used: probes run in the visible job, whose output the
student sees.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
import numpy as np

from normkatas.diagnose.families import Family, family_for, group_stats, role
from normkatas.diagnose.layout import Grouping, Layout, affine_axis, expected_grouping
from normkatas.sandbox.types import Call
from normkatas.spec.inputs import MaterializedCase
from normkatas.spec.model import Kata

PREFIX = "probe/"
PLANS_MEMO = "probe-plans"
POSITIONS = 4
MAX_EXTRA_SOURCES = 3


@dataclass(frozen=True)
class ProbePlan:
    call: Call
    kind: str
    """``base``, ``perturb`` or ``shrink``."""
    source: str
    """The visible case the probe derives from."""
    position: tuple[int, ...] | None = None


def plan_probes(
    kata: Kata, cases: Sequence[MaterializedCase], memo: dict[str, Any] | None = None
) -> list[Call]:
    """The probe calls for ``kata`` (deterministic; no reference values used).

    ``memo``: the dict later given to the diagnosis as ``DiagnosisInput.memo``;
    the plan is kept there so that the diagnosis need not make it again.
    """
    try:
        plans = plan(kata, cases)
    except Exception:  # no probes: the diagnosis falls back to fitting
        return []
    if memo is not None:
        memo[PLANS_MEMO] = plans
    return [p.call for p in plans]


def plan(kata: Kata, cases: Sequence[MaterializedCase]) -> list[ProbePlan]:
    family = family_for(kata)
    if family is None or kata.structure is None:
        return []
    layout = Layout(kata.structure.layout)
    name = role(kata, "input")
    if name is None:
        return []
    visible = [c for c in cases if not c.spec.hidden and not c.spec.performance]
    base = _base_case(visible, name, layout)
    plans: list[ProbePlan] = []
    if base is not None and family.structure_role is not None and layout.ndim > 1:
        plans += _perturbations(kata, family, base, name)
    sources = ([base] if base is not None else []) + _extra_sources(kata, visible, base, layout)
    seen: set[tuple[tuple[int, ...], bytes]] = set()
    for source in sources:
        for kwargs in _shrunk(kata, family, layout, source, ordered=source is not base):
            x = np.asarray(kwargs[name])
            key = (x.shape, x.tobytes())
            if key in seen:
                continue
            seen.add(key)
            call = Call(f"{PREFIX}shrink/{len(seen) - 1}", kwargs, "probe")
            plans.append(ProbePlan(call, "shrink", source.name))
    return plans


def _array(value: Any) -> np.ndarray | None:
    return value if isinstance(value, np.ndarray) else None


def _base_case(
    visible: Sequence[MaterializedCase], name: str, layout: Layout
) -> MaterializedCase | None:
    def usable(case: MaterializedCase) -> bool:
        x = _array(case.kwargs.get(name))
        return x is not None and x.ndim == layout.ndim and min(x.shape, default=0) >= 2

    flagged = [c for c in visible if c.spec.probe and usable(c)]
    if flagged:
        return flagged[0]
    return next((c for c in visible if usable(c)), None)


def positions(shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    """A few positions on a diagonal: different samples and channels."""
    out: list[tuple[int, ...]] = []
    for i in range(POSITIONS):
        pos = tuple(i % s for s in shape)
        if pos not in out:
            out.append(pos)
    return out


def _perturbations(
    kata: Kata, family: Family, base: MaterializedCase, name: str
) -> list[ProbePlan]:
    kwargs = family.probe_kwargs(kata, _copy(base.kwargs))
    if kwargs is None:
        return []
    x = np.array(kwargs[name], dtype=np.float64)
    kwargs[name] = x
    # Generic, non-zero, distinct scale and shift: a zero in either would hide
    # outputs from the perturbation (a student multiplying by beta, say).
    for affine_role, low in (("gamma", 1.0), ("beta", 0.25)):
        param = role(kata, affine_role)
        value = kwargs.get(param) if param else None
        if param and isinstance(value, np.ndarray) and value.ndim == 1 and value.size:
            kwargs[param] = low + 0.5 * np.arange(value.size) / value.size
    plans = [ProbePlan(Call(f"{PREFIX}base", kwargs, "probe"), "base", base.name)]
    delta = 1.0 + 2.0 * float(np.std(x))
    for i, pos in enumerate(positions(x.shape)):
        moved = x.copy()
        moved[pos] += delta
        call = Call(f"{PREFIX}perturb/{i}", {**kwargs, name: moved}, "probe")
        plans.append(ProbePlan(call, "perturb", base.name, pos))
    return plans


def _copy(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    return {k: np.array(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}


def _group_variances(kata: Kata, layout: Layout, kwargs: Mapping[str, Any]) -> np.ndarray:
    grouping = expected_grouping(kata)
    name = role(kata, "input")
    x = _array(kwargs.get(name)) if name else None
    if grouping is None or x is None or x.ndim != layout.ndim or x.size == 0:
        return np.zeros(0)
    try:
        _, _, _, var, _ = group_stats(np.asarray(x, np.float64), grouping, kwargs, layout, 0)
    except (ValueError, TypeError):
        return np.zeros(0)
    return np.atleast_1d(var)


def _extra_sources(
    kata: Kata, visible: Sequence[MaterializedCase], base: MaterializedCase | None,
    layout: Layout,
) -> list[MaterializedCase]:
    """Visible cases worth shrinking too: a (nearly) constant statistics group,
    or an epsilon other than the default (they catch epsilon mistakes)."""
    eps_name = role(kata, "epsilon")
    default = next((p.default for p in kata.params if p.name == eps_name), msgspec.UNSET)
    out = []
    for case in visible:
        if case is base:
            continue
        var = _group_variances(kata, layout, case.kwargs)
        degenerate = var.size > 0 and float(var.min()) < max(1e-4, 1e-3 * float(var.max()))
        eps = case.kwargs.get(eps_name) if eps_name else None
        odd_eps = isinstance(eps, float) and default is not msgspec.UNSET and eps != default
        if degenerate or odd_eps:
            out.append(case)
    return out[:MAX_EXTRA_SOURCES]


def _orders(x: np.ndarray, layout: Layout, grouping: Grouping | None, ordered: bool) -> list[
    list[int]
]:
    """Index order per axis: kept axes list their least varying slices first."""
    orders = [list(range(n)) for n in x.shape]
    if not ordered or grouping is None:
        return orders
    for a in range(x.ndim):
        if a in grouping.axes:
            continue
        others = tuple(b for b in range(x.ndim) if b != a)
        spread = np.asarray(x, np.float64).var(axis=others) if others else np.zeros(x.shape[a])
        orders[a] = [int(i) for i in np.argsort(spread, kind="stable")]
    return orders


def _sizes(
    kata: Kata, layout: Layout, kwargs: Mapping[str, Any], x: np.ndarray, min_group: int
) -> list[list[int]]:
    groups_name = role(kata, "groups")
    groups = kwargs.get(groups_name) if groups_name else None
    sizes = []
    for a, n in enumerate(x.shape):
        if a == layout.channel and isinstance(groups, int) and groups > 0:
            options = [groups, 2 * groups]
        else:
            options = [1, 2, 3] if x.ndim == 1 or min_group > 2 else [1, 2]
        sizes.append([k for k in options if k <= n] or [n])
    return sizes


def _degenerate(
    shape: tuple[int, ...], grouping: Grouping | None, layout: Layout, kwargs: Mapping[str, Any],
    min_group: int,
) -> bool:
    """The kata's own statistics would pool too few values (one value: output = beta)."""
    if grouping is None:
        return False
    m = 1
    for a in grouping.axes:
        m *= shape[a]
    channel = layout.channel
    groups = grouping.count(kwargs, shape[channel]) if channel is not None else None
    if grouping.grouped and groups:
        m //= groups
    return m < min_group


def _shrunk(
    kata: Kata, family: Family, layout: Layout, source: MaterializedCase, *, ordered: bool
) -> list[dict[str, Any]]:
    name = role(kata, "input")
    x = _array(source.kwargs.get(name)) if name else None
    if x is None or x.ndim != layout.ndim:
        return []
    axis = affine_axis(kata)
    grouping = expected_grouping(kata)
    orders = _orders(x, layout, grouping, ordered)
    out = []
    sizes = _sizes(kata, layout, source.kwargs, x, family.min_group)
    for combo in itertools.product(*sizes):
        if tuple(combo) == x.shape or _degenerate(combo, grouping, layout, source.kwargs,
                                                  family.min_group):
            continue
        index = [orders[a][:k] for a, k in enumerate(combo)]
        kwargs: dict[str, Any] = {}
        for key, value in source.kwargs.items():
            if isinstance(value, np.ndarray) and value.shape == x.shape:
                value = value[np.ix_(*index)]
            elif (
                isinstance(value, np.ndarray) and axis is not None and value.ndim == 1
                and value.shape[0] == x.shape[axis]
            ):
                value = value[index[axis]]
            elif (  # a per-channel parameter shaped (1, C, 1, 1): slice its channel axis
                isinstance(value, np.ndarray) and axis is not None and value.ndim == x.ndim
                and value.shape[axis] == x.shape[axis] and value.size == x.shape[axis]
            ):
                value = np.take(value, index[axis], axis=axis)
            if isinstance(value, np.ndarray) and value.dtype.kind == "f":
                value = np.round(value.astype(np.float64), 1)
            elif isinstance(value, np.ndarray):
                value = np.array(value)
            kwargs[key] = value
        if family.accepts(kata, kwargs):
            out.append(kwargs)
    return out
