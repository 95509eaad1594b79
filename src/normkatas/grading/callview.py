"""A departing call of another function of the kata, seen by the diagnosis as a
call with plain parameters: a backward pass that reads the forward pass's cache.

A function's ``structure`` maps roles to its own parameters (``dout``) or,
written ``PARAM@NAME``, to the argument ``NAME`` of the call whose result a step
carried into ``PARAM`` (``input: cache@x``, ``epsilon: cache@bn_param.eps``).
The view is a kata of its own whose parameters are those values, named as the
student writes them (``x``, ``bn_param["eps"]``); its reference makes the
carried value again with the reference of the call that made it, on those
arguments, then calls the function's reference with it.  Only the grader uses
the view (the fit and its evidence); it plans no probes.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec
import numpy as np

from normkatas.grading.flatview import flat_name
from normkatas.grading.sequence import PreparedSequence, returned_items
from normkatas.spec.model import Kata, Param


@dataclass(frozen=True)
class CallView:
    kata: Kata
    """The function as a kata: its roles' values as parameters, its compared outputs."""
    kwargs: dict[str, Any]
    """The reference's values of those parameters at the departing call."""
    reference: Callable[..., list[np.ndarray]]


def _read(args: Mapping[str, Any], name: str) -> Any:
    """Argument ``x``, or entry ``eps`` of the dict argument ``bn_param`` (None: absent)."""
    holder, dot, key = name.partition(".")
    value = args.get(holder)
    if dot:
        return value.get(key) if isinstance(value, dict) else None
    return value


def _write(args: dict[str, Any], name: str, value: Any) -> None:
    holder, dot, key = name.partition(".")
    if dot:
        args[holder] = {**args[holder], key: value}
    else:
        args[holder] = value


def call_view(kata: Kata, seq: PreparedSequence, index: int) -> CallView | None:
    """The view of call ``index`` of ``seq`` (None: its function has no structure, or a
    value a role reads is not there)."""
    step = seq.case.steps[index]
    fn, st = step.function, step.function.structure
    if st is None or fn.name == kata.entry:
        return None
    kwargs: dict[str, Any] = {}
    carried: dict[str, list[tuple[str, str]]] = {}  # carrier -> (argument, flat name)
    roles: dict[str, str] = {}
    for role, target in st.roles.items():
        carrier, at, argument = target.partition("@")
        if at:
            source = step.carry.get(carrier)
            if source is None or source.kind != "out":
                return None
            value, name = _read(seq.inputs[source.step], argument), flat_name(argument)
            carried.setdefault(carrier, []).append((argument, name))
        else:
            value, name = seq.inputs[index].get(target), target
        if value is None:
            return None
        kwargs.setdefault(name, copy.deepcopy(value))
        roles[role] = name
    references = seq.references

    def reference(**flat: Any) -> list[np.ndarray]:
        args = {k: copy.deepcopy(v) for k, v in seq.inputs[index].items()
                if k not in carried}
        for carrier, wanted in carried.items():
            source = step.carry[carrier]
            maker = seq.case.steps[source.step].function
            made = copy.deepcopy(dict(seq.inputs[source.step]))
            for argument, name in wanted:
                _write(made, argument, flat[name])
            args[carrier] = returned_items(references[maker.name](**made), maker)[source.index]
        args.update({roles[r]: flat[roles[r]] for r, t in st.roles.items() if "@" not in t})
        returned = returned_items(references[fn.name](**args), fn)
        return [np.asarray(v) for v, o in zip(returned, fn.returns, strict=True) if not o.opaque]

    view = msgspec.structs.replace(
        kata, entry=fn.name, params=[Param(name=n) for n in kwargs],
        returns=[o for o in fn.returns if not o.opaque],
        structure=msgspec.structs.replace(st, roles=roles), functions=[], cases=[],
    )
    return CallView(view, kwargs, reference)


__all__ = ["CallView", "call_view"]
