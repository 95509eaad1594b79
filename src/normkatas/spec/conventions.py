"""A course's conventions, as data: parameter shapes checked against the cases,
and the defaults that keep the ``structure:`` section short.

`check_conventions` runs with the loader's other cross-field checks and
reports at the value's line:

- ``cases: []`` (a kata needs a case);
- a per-channel parameter (``gamma``, ``beta``, or any parameter with a
  declared ``shape``) whose size does not match the input's channel count;
- a value whose shape does not match its parameter's declared ``shape``.

`fill_defaults` then completes the structure the way the diagnosis has
always read it, so that a short kata file and a long one give the same
`Structure`:

- ``roles``: a family role with a parameter of its own name maps to it;
  ``input`` defaults to the first parameter not mapped otherwise;
- ``outputs``: the same with return values; ``y`` defaults to the first
  return value not mapped otherwise;
- ``shape`` of ``gamma``/``beta`` when every case passes them with the
  input's rank (``(1, C, 1, 1)``): inferred, so the diagnosis knows that
  numpy's trailing alignment cannot misplace them;
- the probe: when no case says ``probe: true``, the first visible graded
  case whose input has at least 2 elements on every axis (the most distinct
  axis sizes first) becomes the probe;
  when there is none, a probe case is generated from the first visible case
  (the input redrawn with distinct axis sizes, the channel count kept, so
  that every other argument still fits) and worth no points.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from normkatas.spec.model import FAMILIES, Case, Generator, Kata, Param, Structure
from normkatas.spec.typecheck import Fail, Path_

PER_CHANNEL_ROLES = ("gamma", "beta")
PROBE_SIZES = (3, 4, 5, 6, 7, 8)


# -- shapes written in a case -------------------------------------------------------------


def literal_shape(value: Any) -> tuple[int, ...] | None:
    """The shape of a case value as written (generator or literal), None if unknown."""
    if isinstance(value, Generator):
        return tuple(value.shape)
    if isinstance(value, (bool, int, float)):
        return ()
    if isinstance(value, list):
        shape: list[int] = []
        node: Any = value
        while isinstance(node, list):
            shape.append(len(node))
            if not node:
                break
            node = node[0]
        return tuple(shape)
    return None


def _input_shape(kata: Kata, args: Mapping[str, Any]) -> tuple[int, ...] | None:
    st = kata.structure
    name = st.roles.get("input") if st is not None else None
    if name is None:
        return None
    value = args.get(name)
    if value is None:
        value = _default(kata, name)
    return literal_shape(value) if value is not None else None


def _default(kata: Kata, name: str) -> Any:
    for p in kata.params:
        if p.name == name and p.default is not msgspec.UNSET:
            return p.default
    return None


def _letter_sizes(layout: str, shape: tuple[int, ...]) -> dict[str, int]:
    return dict(zip(layout, shape, strict=False)) if len(layout) == len(shape) else {}


def _expected_shape(declared: list[int | str], sizes: Mapping[str, int]) -> tuple[int, ...] | None:
    out = []
    for item in declared:
        if isinstance(item, int):
            out.append(item)
        elif item in sizes:
            out.append(sizes[item])
        else:
            return None
    return tuple(out)


def _text(shape: tuple[int, ...] | list[int | str]) -> str:
    items = [str(i) for i in shape]
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def check_conventions(kata: Kata, fail: Fail) -> None:
    """Cross-field checks of the conventions (see the module docstring)."""
    if not kata.cases:
        fail(("cases",), "a kata needs at least one case; `cases` is empty")
    st = kata.structure
    params = {p.name: (i, p) for i, p in enumerate(kata.params)}
    if st is not None:
        for i, p in enumerate(kata.params):
            for j, item in enumerate(p.shape or []):
                if isinstance(item, str) and item not in st.layout:
                    fail(("params", i, "shape", j),
                         f"`{item}` is not a letter of structure.layout `{st.layout}`")
                if isinstance(item, int) and item < 1:
                    fail(("params", i, "shape", j), f"a size is 1 or more, got {item}")
    channel_params = _per_channel(kata)
    for c, case in enumerate(kata.cases):
        _check_views(kata, c, case, fail)
        shape = _input_shape(kata, case.args)
        sizes = _letter_sizes(st.layout, shape) if st is not None and shape is not None else {}
        for name, (_, param) in params.items():
            value = case.args.get(name)
            where: Path_ = ("cases", c, "args", name)
            if value is None:
                continue
            got = literal_shape(value)
            if got is None:
                continue
            if param.shape is not None:
                want = _expected_shape(param.shape, sizes)
                if want is not None and got != want:
                    fail(where, f"has shape {_text(got)}, but `{name}` is declared with shape"
                         f" {_text(param.shape)}, which is {_text(want)} for this case's input")
                continue
            if name in channel_params and st is not None and sizes:
                axis = _affine_letter(st)
                if axis is None or len(got) != 1:
                    continue
                count = sizes.get(axis)
                if count is not None and got[0] != count:
                    fail(where, f"has {got[0]} values, but the input has {count} channels"
                         f" (axis {axis} of its shape {_text(shape or ())}); `{name}` holds one"
                         " value per channel")


def _check_views(kata: Kata, c: int, case: Case, fail: Fail) -> None:
    from normkatas.spec.views import ViewError, parse_index

    returns = [r.name for r in kata.returns]
    params = [p.name for p in kata.params]
    layout = kata.structure.layout if kata.structure is not None else None
    for v, view in enumerate(case.compare or []):
        path: Path_ = ("cases", c, "compare", v)
        if view.output not in returns:
            fail((*path, "output"), f"`{view.output}` is not a return value"
                 f" ({', '.join(returns)})")
        if view.slice is not None:
            try:
                parse_index(view.slice)
            except ViewError as exc:
                fail((*path, "slice"), str(exc))
        for a, axis in enumerate(view.over):
            if isinstance(axis, str) and (layout is None or axis not in layout):
                fail((*path, "over", a), f"`{axis}` is not a letter of structure.layout"
                     f" `{layout}`" if layout else f"`{axis}`: a kata without `structure:`"
                     " names axes by number")
        if view.over and view.statistic is None:
            fail((*path, "over"), "`over` needs a `statistic` (mean, std, var, min, max)")
        if isinstance(view.equals, str) and view.equals not in params:
            fail((*path, "equals"), f"`{view.equals}` is not a parameter ({', '.join(params)})")
        if view.equals is not None and view.slice is None and view.statistic is None:
            fail((*path, "equals"), "a property compares a slice or a statistic;"
                 " add `statistic:` or `slice:`")


def _affine_letter(st: Structure) -> str | None:
    axis = st.affine_axis
    if axis is None:
        return None
    if isinstance(axis, str):
        return axis
    return st.layout[axis] if -len(st.layout) <= axis < len(st.layout) else None


def _per_channel(kata: Kata) -> set[str]:
    st = kata.structure
    if st is None:
        return set()
    return {st.roles[r] for r in PER_CHANNEL_ROLES if r in st.roles}


# -- defaults -----------------------------------------------------------------------------


def default_roles(kata: Kata, st: Structure) -> Structure:
    """The structure with roles and outputs defaulted (see the module docstring)."""
    known_roles, known_outputs = FAMILIES[st.family]
    roles = dict(st.roles)
    params = [p.name for p in kata.params]
    for role in sorted(known_roles):
        if role not in roles and role in params and role not in roles.values():
            roles[role] = role
    if "input" not in roles:
        free = [p for p in params if p not in roles.values()]
        if free:
            roles["input"] = free[0]
    outputs = dict(st.outputs)
    returns = [r.name for r in kata.returns]
    for role in sorted(known_outputs):
        if role not in outputs and role in returns and role not in outputs.values():
            outputs[role] = role
    if "y" in known_outputs and "y" not in outputs:
        free = [r for r in returns if r not in outputs.values()]
        if free:
            outputs["y"] = free[0]
    return msgspec.structs.replace(st, roles=roles, outputs=outputs)


def _infer_shapes(kata: Kata) -> list[Param]:
    st = kata.structure
    if st is None:
        return kata.params
    out = []
    for p in kata.params:
        if p.shape is None and p.name in _per_channel(kata):
            shapes = [literal_shape(c.args[p.name]) for c in kata.cases if p.name in c.args]
            letter = _affine_letter(st)
            if letter is not None and shapes and all(
                _channel_only(shape, st.layout, letter) for shape in shapes
            ):
                declared: list[int | str] = [a if a == letter else 1 for a in st.layout]
                p = msgspec.structs.replace(p, shape=declared)
        out.append(p)
    return out


def _channel_only(shape: tuple[int, ...] | None, layout: str, letter: str) -> bool:
    """``shape`` has the input's rank and is 1 on every axis but the channel's."""
    if shape is None or len(shape) != len(layout) or len(layout) < 2:
        return False
    return all(n == 1 for n, a in zip(shape, layout, strict=True) if a != letter)


def _probe_ready(kata: Kata, case: Case) -> bool:
    shape = _input_shape(kata, case.args)
    return shape is not None and len(shape) > 0 and min(shape) >= 2


def _probe_quality(kata: Kata, case: Case) -> tuple[bool, int, int]:
    """Graded at the kata's tolerance (not a float32 case), more distinct axis sizes
    (the diagnosis tells axes apart by size), then larger."""
    shape = _input_shape(kata, case.args) or ()
    return case.tolerance is None, len(set(shape)), min(shape, default=0)


def _generated_probe(kata: Kata, source: Case) -> Case | None:
    st = kata.structure
    if st is None:
        return None
    name = st.roles.get("input")
    shape = _input_shape(kata, source.args)
    if name is None or shape is None or len(shape) != len(st.layout):
        return None
    channel = st.layout.find("C")
    sizes = [n for n in PROBE_SIZES if channel < 0 or n != shape[channel]]
    new_shape = [shape[a] if a == channel else sizes[a] for a in range(len(shape))]
    offsets = [0.5 * k - 1.0 for k in range(shape[channel])] if channel >= 0 else None
    scales = [0.5 + 0.5 * k for k in range(shape[channel])] if channel >= 0 else None
    generator = Generator(generate="normal", shape=new_shape, seed=4242,
                          channel_axis=max(channel, 0), channel_offsets=offsets,
                          channel_scales=scales)
    return Case(name="probe", args={**source.args, name: generator}, probe=True, points=0.0,
                note="Generated: the base input the diagnosis perturbs (every axis of a"
                " distinct size).")


def fill_roles(kata: Kata) -> None:
    """Default roles and outputs in place (before the cross-field checks read them)."""
    if kata.structure is not None:
        kata.structure = default_roles(kata, kata.structure)


def fill_defaults(kata: Kata) -> None:
    """Complete ``kata`` in place, after the checks (see the module docstring)."""
    if kata.structure is None:
        return
    kata.params = _infer_shapes(kata)
    if any(c.probe for c in kata.cases):
        return
    visible = [c for c in kata.cases
               if not c.hidden and not c.performance and c.steps is None]
    ready = [c for c in visible if _probe_ready(kata, c)]
    if ready:
        best = max(ready, key=lambda c: _probe_quality(kata, c))
        best.probe = True
        return
    if visible and all(c.name != "probe" for c in kata.cases):
        generated = _generated_probe(kata, visible[0])
        if generated is not None:
            kata.cases.append(generated)
