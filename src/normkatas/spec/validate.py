"""Checks that need several fields at once (after the type check).

Each check calls ``fail(path, message)`` with the key path of the value at
fault; the loader turns that into a SpecError with the line.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import msgspec

from normkatas.spec.model import FAMILIES, Axis, Generator, Kata, Structure
from normkatas.spec.sequence import validate_steps
from normkatas.spec.typecheck import Fail, Path_, close_matches, describe_value, format_path

MAX_ELEMENTS = 2**25
"""Largest generated array (33.5 M elements, 268 MB as float64)."""

_KIND_KEYS = {
    "normal": {"loc", "scale"},
    "uniform": {"low", "high"},
    "integers": {"low", "high"},
    "arange": {"start", "step"},
    "constant": {"value"},
}
_KIND_ONLY = set().union(*_KIND_KEYS.values())


def _hint(name: str, options: Iterable[str]) -> str:
    close = close_matches(name, options)
    return f"; did you mean `{close[0]}`?" if close else ""


def _names(options: Iterable[str]) -> str:
    return ", ".join(f"`{o}`" for o in options) or "(none)"


def array_shape(value: Any, path: Path_, fail: Fail) -> tuple[tuple[int, ...], set[str]]:
    """Shape and leaf kinds ({"bool", "number"}) of a nested literal list."""
    if isinstance(value, bool):
        return (), {"bool"}
    if isinstance(value, (int, float)):
        return (), {"number"}
    if not isinstance(value, list):
        fail(path, f"a literal array holds numbers (or true/false), got {describe_value(value)}")
    shapes = [array_shape(v, (*path, i), fail) for i, v in enumerate(value)]
    kinds: set[str] = set().union(*(k for _, k in shapes))
    for i, (shape, _) in enumerate(shapes[1:], start=1):
        if shape != shapes[0][0]:
            fail(
                (*path, i),
                f"ragged list: this item has shape {shape}, the first one {shapes[0][0]}",
            )
    if kinds == {"bool", "number"}:
        fail(path, "a literal array holds either numbers or true/false, not both")
    return (len(value), *(shapes[0][0] if shapes else ())), kinds


def _literal_ndim(value: Any, path: Path_, fail: Fail) -> int:
    if isinstance(value, Generator):
        return len(value.shape)
    if isinstance(value, list):
        return len(array_shape(value, path, fail)[0])
    return 0


def _generator(gen: Generator, raw: dict[str, Any], path: Path_, fail: Fail) -> None:
    extra = (set(raw) & _KIND_ONLY) - _KIND_KEYS[gen.generate]
    if gen.constant_channels:
        extra.discard("loc")
    for key in sorted(extra):
        fail(
            (*path, key),
            f"`{key}` has no effect on a `{gen.generate}` generator "
            f"(it uses {_names(sorted(_KIND_KEYS[gen.generate]))})",
        )
    if math.prod(gen.shape) > MAX_ELEMENTS:
        fail((*path, "shape"), f"{gen.shape} is too large (over {MAX_ELEMENTS} elements)")
    if gen.generate in ("uniform", "integers") and not gen.high > gen.low:
        fail((*path, "high"), f"must be more than low ({gen.low}), got {gen.high}")
    if gen.generate == "integers":
        for key in ("low", "high"):
            bound = float(getattr(gen, key))
            if not bound.is_integer():
                fail((*path, key), f"must be a whole number for `integers`, got {bound}")
    ndim = len(gen.shape)
    uses_channels = gen.channel_offsets is not None or gen.channel_scales is not None
    if not (uses_channels or gen.constant_channels):
        return
    if not -ndim <= gen.channel_axis < ndim:
        fail((*path, "channel_axis"),
             f"must be an axis of shape {gen.shape}, got {gen.channel_axis}")
    size = gen.shape[gen.channel_axis]
    for key in ("channel_offsets", "channel_scales"):
        values = getattr(gen, key)
        if values is not None and len(values) != size:
            fail(
                (*path, key),
                f"has {len(values)} values but axis {gen.channel_axis} of shape {gen.shape} "
                f"has {size} channels",
            )
    seen: set[int] = set()
    for i, c in enumerate(gen.constant_channels):
        if c >= size:
            fail((*path, "constant_channels", i), f"channel {c} is out of range (0..{size - 1})")
        if c in seen:
            fail((*path, "constant_channels", i), f"channel {c} is listed twice")
        seen.add(c)


def _axis(axis: Axis, layout: str, path: Path_, fail: Fail) -> int:
    n = len(layout)
    if isinstance(axis, str):
        if len(axis) != 1 or axis not in layout:
            fail(path, f"axis {axis!r} is not a letter of layout `{layout}`")
        return layout.index(axis)
    if not -n <= axis < n:
        fail(path, f"axis {axis} is out of range for layout `{layout}` ({-n}..{n - 1})")
    return axis % n


def _structure(kata: Kata, st: Structure, fail: Fail) -> None:
    _structure_of(st, kata.params, [r.name for r in kata.returns], ("structure",), fail,
                  "the kata")


def _structure_of(
    st: Structure, param_list: list[Any], returns: list[str], base: Path_, fail: Fail,
    owner: str, carried: bool = False,
) -> None:
    """A structure against the parameters and return values it maps roles to;
    ``carried``: a role may read ``PARAM@NAME``, an argument of the call whose result
    was carried into PARAM (a further function's structure)."""
    if len(set(st.layout)) != len(st.layout):
        fail((*base, "layout"), f"`{st.layout}` repeats a letter")
    seen: dict[int, int] = {}
    for i, axis in enumerate(st.reduce):
        index = _axis(axis, st.layout, (*base, "reduce", i), fail)
        if index in seen:
            fail((*base, "reduce", i), f"axis {axis!r} is already listed in reduce")
        seen[index] = i
    if st.affine_axis is not None:
        _axis(st.affine_axis, st.layout, (*base, "affine_axis"), fail)
    roles, outputs = FAMILIES[st.family]
    params = [p.name for p in param_list]
    dicts = [p.name for p in param_list if p.kind == "dict"]
    for key, known, targets, what in (
        ("roles", roles, params, "parameter"),
        ("outputs", outputs, returns, "return value"),
    ):
        for role, name in getattr(st, key).items():
            path = (*base, key, role)
            if role not in known:
                fail(path, f"`{role}` is not a {key[:-1]} of family `{st.family}` "
                     f"(known: {_names(sorted(known))}){_hint(role, known)}")
            carrier, at, argument = name.partition("@")
            if carried and at and key == "roles":
                if carrier not in params:
                    fail(path, f"`{carrier}` (before @) is not a parameter of {owner} "
                         f"({_names(params)}){_hint(carrier, params)}")
                elif not all(part.isidentifier() for part in argument.split(".")):
                    fail(path, f"`{argument}` (after @) is not an argument name")
                continue  # an argument of the call that made what was carried in
            holder, dot, entry = name.partition(".")
            if dot and holder in dicts and entry.isidentifier():
                continue  # an entry of a dict parameter (as the call left it, for outputs)
            if name not in targets:
                fail(path, f"`{name}` is not a {what} of {owner} "
                     f"({_names(targets)}){_hint(name, targets)}")


def _unique(names: list[str], key: str, what: str, fail: Fail) -> None:
    first: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in first:
            fail((key, i, "name"), f"duplicate {what} `{name}` (also {key}[{first[name]}])")
        first[name] = i


def validate_kata(kata: Kata, raw: dict[str, Any], fail: Fail) -> None:
    """Cross-field checks; ``raw`` is the data the Kata was built from."""
    _unique([p.name for p in kata.params], "params", "parameter", fail)
    for i, param in enumerate(kata.params):
        if isinstance(param.default, list):
            array_shape(param.default, ("params", i, "default"), fail)
        elif isinstance(param.default, dict) and param.kind != "dict":
            fail(("params", i, "default"),
                 "a default is a number, true/false, text, null or a list of numbers, "
                 "got a mapping")
    _unique([r.name for r in kata.returns], "returns", "return value", fail)
    _unique([c.name for c in kata.cases], "cases", "case name", fail)
    _functions(kata, fail)
    if kata.structure is not None:
        _structure(kata, kata.structure, fail)
    params = {p.name: p for p in kata.params}
    returns = [r.name for r in kata.returns]
    signature = kata.signature
    probe: int | None = None
    for i, case in enumerate(kata.cases):
        path: Path_ = ("cases", i)
        if case.probe:
            if probe is not None:
                fail((*path, "probe"), f"only one case may be the probe; cases[{probe}] is one")
            probe = i
        if case.example and case.hidden:
            fail((*path, "hidden"), "an example case cannot be hidden")
        if case.steps is not None:
            validate_steps(kata, i, case, fail)
            for j, step in enumerate(case.steps):
                for name, value in step.args.items():
                    arg_path = (*path, "steps", j, "args", name)
                    if isinstance(value, Generator):
                        raw_args = raw["cases"][i]["steps"][j]["args"]
                        _generator(value, raw_args[name], arg_path, fail)
                    elif isinstance(value, list):
                        array_shape(value, arg_path, fail)
            continue
        for name, value in case.args.items():
            arg_path = (*path, "args", name)
            if name not in params:
                fail(arg_path, f"`{name}` is not a parameter of {signature}{_hint(name, params)}")
            if isinstance(value, Generator):
                _generator(value, raw["cases"][i]["args"][name], arg_path, fail)
            elif isinstance(value, list):
                array_shape(value, arg_path, fail)
        for name, param in params.items():
            if name not in case.args and param.default is msgspec.UNSET:
                where = (*path, "args") if "args" in raw["cases"][i] else path
                fail(where, f"missing argument `{name}` (it has no default in `params`)")
        for name, value in (case.expected or {}).items():
            if name not in returns:
                fail((*path, "expected", name),
                     f"`{name}` is not a return value ({_names(returns)}){_hint(name, returns)}")
            array_shape(value, (*path, "expected", name), fail)
        _input_ndim(kata, case.args, path, fail)


def _functions(kata: Kata, fail: Fail) -> None:
    """The further functions of sequence cases: names unique, the entry's included."""
    names = [kata.entry, *(f.name for f in kata.functions)]
    for i, fn in enumerate(kata.functions):
        if fn.name in names[: i + 1]:
            fail(("functions", i, "name"), f"`{fn.name}` is already a function of the kata")
        params = [p.name for p in fn.params]
        for j, name in enumerate(params):
            if name in params[:j]:
                fail(("functions", i, "params", j, "name"), f"duplicate parameter `{name}`")
        if fn.structure is not None:
            _structure_of(fn.structure, fn.params, [r.name for r in fn.returns],
                          ("functions", i, "structure"), fail, f"function `{fn.name}`",
                          carried=True)
    for i, case in enumerate(kata.cases):
        if case.steps is None and any(p.kind == "dict" for p in kata.params):
            for name in case.args:
                if "." not in name:
                    continue
                base = name.partition(".")[0]
                if base in {p.name for p in kata.params if p.kind == "dict"}:
                    fail(("cases", i, "args", name),
                         "dict parameters are given in the steps of a sequence case")


def _input_ndim(kata: Kata, args: dict[str, Any], path: Path_, fail: Fail) -> None:
    st = kata.structure
    name = st.roles.get("input") if st is not None else None
    if st is None or name is None or name not in args:
        return
    value = args[name]
    arg_path = (*path, "args", name)
    ndim = _literal_ndim(value, arg_path, fail)
    if ndim != len(st.layout):
        where = (*arg_path, "shape") if isinstance(value, Generator) else arg_path
        fail(where, f"has {ndim} axes but structure.layout `{st.layout}` has {len(st.layout)} "
             f"(in {format_path(path)})")
