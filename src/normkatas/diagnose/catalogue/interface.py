"""Interface: what came back is not the declared outputs."""

from __future__ import annotations

import itertools
import math

import numpy as np

from normkatas.diagnose.catalogue.common import names, plural, shape_text
from normkatas.diagnose.context import Context, Item, close
from normkatas.diagnose.entry import Entry, Finding, Text
from normkatas.sandbox.types import (
    ArrayValue,
    DictValue,
    NoneValue,
    OtherValue,
    SequenceValue,
    Value,
)
from normkatas.sandbox.values import sized_outputs


def _returned(ctx: Context) -> list[tuple[Item, Value]]:
    out = []
    for item in ctx.cases:
        call = item.call
        if call is not None and call.status == "ok" and call.value is not None:
            out.append((item, call.value))
    return out


def _returned_none(ctx: Context) -> list[Finding]:
    items = [i for i, v in _returned(ctx) if isinstance(v, NoneValue)]
    if not items:
        return []
    return [Finding(RETURNED_NONE, {"cases": names(items)}, cases=[i.key for i in items])]


def describe(value: Value) -> str:
    if isinstance(value, ArrayValue):
        if value.refused and value.array is None and value.dtype:
            return f"an array of dtype {value.dtype}"
        return f"an array of shape {shape_text(value.shape)}"
    if isinstance(value, SequenceValue):
        inner = {v.kind if isinstance(v, SequenceValue) else v.type_name
                 for v in value.items if isinstance(v, (SequenceValue, OtherValue))}
        if value.items and inner in ({"list"}, {"tuple"}) and all(
            isinstance(v, (SequenceValue, OtherValue)) for v in value.items
        ):
            return f"a nested {value.kind} ({plural(len(value.items), next(iter(inner)))})"
        return f"a {value.kind} of {plural(len(value.items), 'value')}"
    if isinstance(value, OtherValue):
        article = "an" if value.type_name[:1].lower() in "aeiou" else "a"
        return f"{article} {value.type_name}"
    if isinstance(value, DictValue):
        return "a dict"
    return "None"


def _wrong_type(ctx: Context) -> list[Finding]:
    n = len(ctx.kata.returns)
    items = []
    got = ""
    for item, value in _returned(ctx):
        if isinstance(value, NoneValue) or item.outputs is not None:
            continue
        if sized_outputs(value, n) is not None:
            continue  # numeric arrays, one refused for its size: not a type problem
        items.append(item)
        got = got or describe(value)
    if not items:
        return []
    declared = ", ".join(o.name for o in ctx.kata.returns)
    want = "one numpy array" if n == 1 else f"a tuple of {n} values ({declared})"
    form = ""
    chosen: Value | None = next((v for i, v in _returned(ctx) if i is items[0]), None)
    if isinstance(chosen, SequenceValue) and n > 1 and len(chosen.items) == n:
        # the right number of values: name the one that is not an array
        for output, part in zip(ctx.kata.returns, chosen.items, strict=True):
            if not isinstance(part, ArrayValue):
                shown = f"a {part.kind}" if isinstance(part, SequenceValue) else describe(part)
                got, want = f"{output.name} as {shown}", "a numpy array"
                form = "part"
                facts = {"got": got, "want": want, "cases": names(items), "part": output.name,
                         "got_kind": part.type_name if isinstance(part, OtherValue)
                         else part.kind if isinstance(part, SequenceValue) else "value"}
                return [Finding(WRONG_RETURN_TYPE, facts, form=form,
                                cases=[i.key for i in items])]
    if isinstance(chosen, SequenceValue) and n == 1 and got.startswith("a nested"):
        form = "list"
    facts = {"got": got, "want": want, "cases": names(items), "part": declared}
    return [Finding(WRONG_RETURN_TYPE, facts, form=form, cases=[i.key for i in items])]


def layout_permutation(item: Item, k: int) -> tuple[int, ...] | None:
    """The axis order of output ``k`` if it is the reference transposed."""
    if item.outputs is None or item.reference is None or k >= len(item.reference):
        return None
    yours, ref = item.outputs[k], item.reference[k]
    if yours.shape == ref.shape or yours.ndim != ref.ndim or ref.ndim < 2:
        return None
    for perm in itertools.permutations(range(ref.ndim)):
        moved = np.transpose(ref, perm)
        if moved.shape == yours.shape and close([yours], [moved], item.tol):
            return tuple(perm)
    return None


def _shapes(item: Item, n: int) -> list[tuple[int, ...]] | None:
    """The shapes of the student's outputs, those of arrays refused for their size too."""
    if item.outputs is not None:
        return [a.shape for a in item.outputs]
    value = item.call.value if item.call is not None and item.call.status == "ok" else None
    sized = sized_outputs(value, n)
    return [tuple(a.shape) for a in sized] if sized is not None else None


def _mismatched_shapes(ctx: Context) -> list[tuple[Item, int]]:
    out = []
    n = len(ctx.kata.returns)
    for item in ctx.cases:
        shapes = _shapes(item, n)
        if shapes is None or item.reference is None:
            continue
        for k, (a, b) in enumerate(zip(shapes, item.reference, strict=False)):
            if a != b.shape:
                out.append((item, k))
                break
    return out


def _wrong_layout(ctx: Context) -> list[Finding]:
    found = [(i, k, p) for i, k in _mismatched_shapes(ctx)
             if (p := layout_permutation(i, k)) is not None]
    if not found:
        return []
    _item, k, perm = found[0]
    letters = ctx.layout.shown if ctx.layout is not None else ""
    ndim = len(perm)
    if len(letters) != ndim:
        letters = "".join(chr(ord("a") + a) for a in range(ndim))
    inverse = tuple(int(a) for a in np.argsort(perm))
    facts = {
        "output": ctx.kata.returns[k].name,
        "yours_layout": "".join(letters[a] for a in perm),
        "right_layout": letters,
        "inverse": "(" + ", ".join(str(a) for a in inverse) + ")",
        "cases": names([i for i, _, _ in found]),
    }
    return [Finding(WRONG_LAYOUT, facts, cases=[i.key for i, _, _ in found])]


def _wrong_shape(ctx: Context) -> list[Finding]:
    items = [(i, k) for i, k in _mismatched_shapes(ctx) if layout_permutation(i, k) is None]
    if not items:
        return []
    shown = [(i, k) for i, k in items if i.visible] or items
    item, k = shown[0]
    shapes = _shapes(item, len(ctx.kata.returns))
    assert shapes is not None and item.reference is not None
    yours, ref = shapes[k], item.reference[k]
    x = item.kwargs.get(ctx.param("input"))
    same_as_input = x is not None and np.shape(x) == ref.shape
    facts = {
        "output": ctx.kata.returns[k].name,
        "yours": shape_text(yours) if item.visible else f"{len(yours)}-d",
        "expected": shape_text(ref.shape) if item.visible else f"{ref.ndim}-d",
        "expected_code": f"{ctx.param('input')}.shape" if same_as_input else shape_text(ref.shape),
        "cases": names([i for i, _ in items]),
    }
    form = "reshape" if item.visible and math.prod(yours) == ref.size else ""
    return [Finding(WRONG_SHAPE, facts, form=form, cases=[i.key for i, _ in items])]


RETURNED_NONE = Entry(
    id="returned-none",
    category="interface",
    text=Text(
        title="{entry} returns None",
        notes=(
            "a function that ends without a return statement returns None; the grader"
            " expected {returns_code} back ({cases})",
        ),
        help="return the result at the end of the function",
        help_code="return {returns_code}",
    ),
    detect=_returned_none,
)

WRONG_RETURN_TYPE = Entry(
    id="wrong-return-type",
    category="interface",
    text=Text(
        title="{entry} returns {got} instead of {want}",
        notes=("the grader expects {want} ({cases})",),
        help="return exactly the declared outputs",
        help_code="return {returns_code}",
    ),
    forms={
        "part": Text(
            title="{entry} returns {got} instead of {want}",
            notes=("a Python {got_kind} has no shape, dtype or"
                   " arithmetic of its own ({cases})",),
            help="turn {part} into a numpy array before returning it",
            help_code="{part} = np.asarray({part}, dtype=np.float64)",
        ),
        "list": Text(
            title="{entry} returns {got} instead of {want}",
            notes=("the grader expects {want} ({cases})",),
            help="turn the result into a numpy array before returning it",
            help_code="return np.asarray({part}, dtype=np.float64)",
        ),
    },
    detect=_wrong_type,
)

WRONG_LAYOUT = Entry(
    id="wrong-layout",
    category="interface",
    text=Text(
        title="output {output} has its axes in the order {yours_layout} instead of"
        " {right_layout}",
        notes=(
            "the values are the right ones, transposed: your {output} equals the reference"
            " with its axes in the order {yours_layout} ({cases})",
        ),
        help="transpose the result back before returning it",
        help_code="{output} = {output}.transpose{inverse}",
    ),
    source=(r"\.transpose\(|np\.transpose\(|np\.moveaxis\(|\.swapaxes\(",),
    detect=_wrong_layout,
)

WRONG_SHAPE = Entry(
    id="wrong-shape",
    category="interface",
    text=Text(
        title="output {output} has shape {yours} instead of {expected}",
        notes=("the shapes differ on {cases}",),
        help="return {output} with shape {expected}; reductions keep their axes with"
        " keepdims=True",
    ),
    forms={
        "reshape": Text(
            title="output {output} has shape {yours} instead of {expected}",
            notes=(
                "it has the right number of values, arranged in another shape ({cases})",
            ),
            help="reshape the result to {expected} before returning it",
            help_code="{output} = {output}.reshape({expected_code})",
        )
    },
    source=(
        r"return\b.*(\.reshape\(|\.flatten\(|\.ravel\(|\.squeeze\(|np\.squeeze\()",
        r"^\s*return\b",
    ),
    detect=_wrong_shape,
)

ENTRIES = [RETURNED_NONE, WRONG_RETURN_TYPE, WRONG_LAYOUT, WRONG_SHAPE]
