"""A kata whose function takes a dict (``bn_param``), seen by the diagnosis as one
with plain parameters.

The diagnosis reasons with roles mapped to parameters.  A ``structure:`` may
map a role to an entry of a ``kind: dict`` parameter (``running_var:
bn_param.running_var``), and an output role to that entry as the call left it.
The flat view turns such a kata into one whose parameters are those entries,
named as the student writes them (``bn_param["running_var"]``), so the
diagnosis's text and help read like the student's code.  A ``training`` role
read from text is true for ``"train"`` (``mode: train | test``).

Only the grader uses the flat view (the fit, evidence and coverage need no
sandbox call); probes are not planned for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import msgspec
import numpy as np

from normkatas.spec.model import Kata, Output, Param, Structure

TRAINING_TEXT = {"train": True, "training": True, "test": False, "eval": False}
"""A mode read as the ``training`` role; the first of each truth is written back."""


def entry_of(target: str) -> tuple[str, str] | None:
    """``"bn_param.running_var"`` -> ``("bn_param", "running_var")``; None for a plain name."""
    param, dot, key = target.partition(".")
    return (param, key) if dot else None


def flat_name(target: str) -> str:
    """The name the flat view gives a role's target: ``bn_param["running_var"]``."""
    entry = entry_of(target)
    return target if entry is None else f'{entry[0]}["{entry[1]}"]'


def has_flat_view(kata: Kata) -> bool:
    st = kata.structure
    return st is not None and any(
        entry_of(t) is not None for t in (*st.roles.values(), *st.outputs.values())
    )


def flat_kata(kata: Kata) -> Kata:
    """The kata as the diagnosis sees it: dict entries as parameters and outputs."""
    st = kata.structure
    assert st is not None
    params = [p for p in kata.params if p.kind != "dict"]
    params += [Param(name=flat_name(t)) for t in dict.fromkeys(st.roles.values())
               if entry_of(t) is not None]
    returns = [o for o in kata.returns if not o.opaque]
    returns += [Output(name=flat_name(t)) for t in dict.fromkeys(st.outputs.values())
                if entry_of(t) is not None]
    structure: Structure = msgspec.structs.replace(
        st,
        roles={r: flat_name(t) for r, t in st.roles.items()},
        outputs={r: flat_name(t) for r, t in st.outputs.items()},
    )
    return msgspec.structs.replace(kata, params=params, returns=returns, structure=structure,
                                   functions=[], cases=[])


def _training(role: str, value: Any) -> Any:
    if role == "training" and isinstance(value, str):
        return TRAINING_TEXT.get(value.lower())
    return value


def flat_kwargs(kata: Kata, kwargs: Mapping[str, Any]) -> dict[str, Any] | None:
    """A call's arguments as the flat view's; None when an entry a role reads is absent."""
    st = kata.structure
    assert st is not None
    out = {p.name: kwargs[p.name] for p in kata.params if p.kind != "dict" and p.name in kwargs}
    for role, target in st.roles.items():
        entry = entry_of(target)
        if entry is None:
            continue
        holder = kwargs.get(entry[0])
        if not isinstance(holder, dict) or entry[1] not in holder:
            return None
        value = _training(role, holder[entry[1]])
        if value is None:
            return None
        out[flat_name(target)] = value
    return out


def flat_results(kata: Kata, results: Mapping[str, Any]) -> list[Any] | None:
    """A call's results (by name: ``out``, ``bn_param.running_var``) in the flat view's
    order of outputs; None when one is missing."""
    flat = flat_kata(kata)
    st = kata.structure
    assert st is not None
    by_flat = {flat_name(t): t for t in st.outputs.values()}
    out = []
    for o in flat.returns:
        value = results.get(by_flat.get(o.name, o.name))
        if value is None:
            return None
        out.append(value)
    return out


def flat_reference(
    kata: Kata, function: Callable[..., Any]
) -> Callable[..., list[np.ndarray]]:
    """The reference, called with the flat view's arguments and returning its outputs."""
    st = kata.structure
    assert st is not None
    back = {v: k for k, v in reversed(TRAINING_TEXT.items())}

    def call(**flat: Any) -> list[np.ndarray]:
        kwargs: dict[str, Any] = {p.name: flat[p.name] for p in kata.params
                                  if p.kind != "dict" and p.name in flat}
        for p in kata.params:
            if p.kind == "dict":
                kwargs[p.name] = dict(p.default) if isinstance(p.default, dict) else {}
        for role, target in st.roles.items():
            entry = entry_of(target)
            if entry is not None and flat_name(target) in flat:
                value = flat[flat_name(target)]
                if role == "training" and isinstance(value, (bool, np.bool_)):
                    value = back[bool(value)]
                kwargs[entry[0]][entry[1]] = (
                    value.copy() if isinstance(value, np.ndarray) else value
                )
        returned = function(**kwargs)
        items = [returned] if len(kata.returns) == 1 else list(returned)
        results: dict[str, Any] = {
            o.name: item for o, item in zip(kata.returns, items, strict=True) if not o.opaque
        }
        for p in kata.params:
            if p.kind == "dict":
                results.update({f"{p.name}.{k}": v for k, v in kwargs[p.name].items()})
        found = flat_results(kata, results)
        if found is None:
            raise ValueError("the reference left out an entry the structure reads")
        return [np.asarray(v) for v in found]

    return call


__all__ = [
    "flat_kata", "flat_kwargs", "flat_name", "flat_reference", "flat_results", "has_flat_view",
]
