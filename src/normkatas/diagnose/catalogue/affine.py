"""Affine: gamma and beta applied wrongly."""

from __future__ import annotations

import re

import numpy as np

from normkatas.diagnose.catalogue.common import failed_calls, frame_line, last_frame
from normkatas.diagnose.context import Context
from normkatas.diagnose.entry import Entry, EvidenceSpec, Finding, Text, Variant
from normkatas.report.result import SourceLine

AFFINE_CODE = "{output} = {gamma}{affine_reshape} * x_hat + {beta}{affine_reshape}"
PER_CHANNEL = (
    EvidenceSpec("group_mean", "mean of {output} {per}, {where}", grouping="affine"),
    EvidenceSpec("group_var", "variance of {output} {per}, {where}", grouping="affine"),
)
SHAPES = re.compile(r"\(([\d,\s]*)\)")
BROADCAST = r"could not be broadcast together"


def _shapes(message: str) -> list[tuple[int, ...]]:
    out = []
    for group in SHAPES.findall(message):
        parts = [p for p in group.replace(" ", "").split(",") if p]
        if all(p.isdigit() for p in parts):
            out.append(tuple(int(p) for p in parts))
    return out


def _broadcast_along_last(ctx: Context) -> list[Finding]:
    """numpy's error for a (C,) array against (N, C, H, W) with W != C."""
    if ctx.affine is None or ctx.layout is None or ctx.affine == ctx.layout.ndim - 1:
        return []
    names = [ctx.param("gamma"), ctx.param("beta")]
    items, source = [], None
    for item in failed_calls(ctx, "exception"):
        assert item.call is not None
        exc = item.call.exception
        if exc is None or not re.search(BROADCAST, exc.message):
            continue
        x = np.asarray(item.kwargs.get(ctx.param("input")))
        if x.ndim != ctx.layout.ndim:
            continue
        size = x.shape[ctx.affine]
        shapes = _shapes(exc.message)
        if tuple(x.shape) not in shapes or (size,) not in shapes or x.shape[-1] == size:
            continue
        frame = last_frame(exc)
        text = frame.source if frame is not None else ""
        if text and not any(re.search(rf"\b{re.escape(n)}\b", text) for n in names):
            continue
        items.append(item)
        source = source or frame_line(frame, ctx)
    if not items:
        return []
    return [
        Finding(
            AFFINE_WRONG_AXIS,
            {},
            cases=[i.key for i in items],
            source=source,
            messages=tuple(i.call.exception.message for i in items if i.call and i.call.exception),
        )
    ]


def _broadcast_as_column(ctx: Context) -> list[Finding]:
    """numpy's error for gamma shaped (C, 1, ...) against (N, C, ...) with N != C."""
    if ctx.affine is None or ctx.layout is None or ctx.affine == 0:
        return []
    items, source = [], None
    for item in failed_calls(ctx, "exception"):
        assert item.call is not None
        exc = item.call.exception
        if exc is None or not re.search(BROADCAST, exc.message):
            continue
        x = np.asarray(item.kwargs.get(ctx.param("input")))
        if x.ndim != ctx.layout.ndim or x.shape[0] == x.shape[ctx.affine]:
            continue
        column = (x.shape[ctx.affine],) + (1,) * (x.ndim - 1)
        if column not in _shapes(exc.message):
            continue
        items.append(item)
        frame = last_frame(exc)
        source = source or frame_line(frame, ctx)
    if not items:
        return []
    found = ctx.find_line(rf"\b{re.escape(ctx.param('gamma'))}\w*\s*=.*reshape\(\s*-\s*1\s*,\s*1")
    if found is not None:
        source = SourceLine(line=found[0], text=found[1], column=found[2], end_column=found[3])
    return [
        Finding(
            AFFINE_BATCH_AXIS,
            {},
            cases=[i.key for i in items],
            source=source,
            messages=tuple(i.call.exception.message for i in items if i.call and i.call.exception),
        )
    ]


GAMMA_BETA_SWAPPED = Entry(
    id="gamma-beta-swapped",
    category="affine",
    variant=Variant("affine", ("swapped",)),
    text=Text(
        title="gamma and beta swapped",
        notes=(
            "your output equals {beta} * x_hat + {gamma}: {gamma} is the scale and {beta}"
            " the shift, so {each_affine} mean should come out as {beta}, not {gamma}",
        ),
        help="multiply by {gamma} and add {beta}",
        help_code=AFFINE_CODE,
    ),
    source=(r"\b{beta}\w*\s*\*", r"\*\s*{beta}\b", r"\+\s*{gamma}\b"),
    evidence=PER_CHANNEL,
)

MISSING_AFFINE = Entry(
    id="missing-affine",
    category="affine",
    variant=Variant("affine", ("none",)),
    text=Text(
        title="gamma and beta not applied",
        notes=(
            "your output is x_hat itself; the layer then scales it by {gamma} and shifts it by"
            " {beta}, the two learned parameters",
        ),
        help="scale by {gamma} and shift by {beta} after normalizing",
        help_code=AFFINE_CODE,
    ),
    evidence=PER_CHANNEL,
)

MISSING_GAMMA = Entry(
    id="missing-gamma",
    category="affine",
    variant=Variant("affine", ("no-gamma",)),
    text=Text(
        title="output not scaled by gamma",
        notes=("your output equals x_hat + {beta}: the scale {gamma} is never applied",),
        help="multiply x_hat by {gamma} before adding {beta}",
        help_code=AFFINE_CODE,
    ),
    forms={
        "norm-backward": Text(
            title="dx not multiplied by gamma",
            notes=(
                "y = {gamma} * x_hat + {beta}, so every path from x to the output passes"
                " through the factor {gamma}; your dx leaves it out",
            ),
            help="multiply dx by {gamma}",
            help_code="dx = {gamma} / np.sqrt(var + {epsilon}) * ({dout} - {dout}.mean(axis=0)"
            " - x_hat * ({dout} * x_hat).mean(axis=0))",
        )
    },
    evidence=(*PER_CHANNEL, EvidenceSpec("output", "{output}, {where}", output="dx")),
)

MISSING_BETA = Entry(
    id="missing-beta",
    category="affine",
    variant=Variant("affine", ("no-beta",)),
    text=Text(
        title="output not shifted by beta",
        notes=("your output equals {gamma} * x_hat: the shift {beta} is never added",),
        help="add {beta} after scaling",
        help_code=AFFINE_CODE,
    ),
    evidence=PER_CHANNEL,
)

AFFINE_WRONG_AXIS = Entry(
    id="affine-wrong-axis",
    category="affine",
    variant=Variant("affine", ("last-axis",)),
    detect=_broadcast_along_last,
    explains=BROADCAST,
    text=Text(
        title="gamma and beta lined up with {last_letter} instead of {affine_letter}",
        notes=(
            "{gamma} and {beta} have shape ({affine_letter},), and numpy lines a 1-D array up"
            " with the LAST axis of {input}, which is {last_letter}",
            "where {last_letter} != {affine_letter} in size this raises \"operands could not be"
            " broadcast together\"; where they are equal it runs and scales the wrong values",
        ),
        help="reshape {gamma} and {beta} so they vary along {affine_letter}",
        help_code=AFFINE_CODE,
    ),
    source=(r"\b{gamma}\b\s*\*", r"\*\s*\b{gamma}\b"),
    evidence=PER_CHANNEL,
)

AFFINE_BATCH_AXIS = Entry(
    id="affine-batch-axis",
    category="affine",
    variant=Variant("affine", ("batch-axis",)),
    detect=_broadcast_as_column,
    explains=BROADCAST,
    text=Text(
        title="gamma and beta shaped as a column, lined up with N instead of {affine_letter}",
        notes=(
            "a ({affine_letter}, 1) array varies along the FIRST axis of {input}, the batch"
            " axis N, so every sample gets one scale instead of every {affine_noun}",
            "where N != {affine_letter} in size this raises \"operands could not be broadcast"
            " together\"; where they are equal it runs and scales the wrong values",
        ),
        help="keep {gamma} and {beta} along {affine_letter}",
        help_code=AFFINE_CODE,
    ),
    source=(r"reshape\(\s*-\s*1\s*,\s*1", r"\[\s*:\s*,\s*None\s*\]", r"\b{gamma}\b\s*\*"),
    evidence=PER_CHANNEL,
)

GAMMA_BEFORE_NORMALIZING = Entry(
    id="gamma-before-normalizing",
    category="affine",
    variant=Variant("affine", ("gamma-first",)),
    text=Text(
        title="gamma multiplied in before normalizing, where it cancels",
        notes=(
            "your output matches normalizing {gamma} * {input} and then adding {beta}",
            "normalizing divides out any scale shared by a statistics group, so {gamma} is"
            " lost (only its sign and its effect on epsilon remain); the scale belongs after"
            " the normalization",
        ),
        help="normalize {input} first, then multiply by {gamma} and add {beta}",
        help_code=AFFINE_CODE,
    ),
    source=(r"\b{gamma}\b[^=]*\*\s*\(?\s*{input}\b", r"{input}\b\s*\*\s*\w*{gamma}"),
    evidence=PER_CHANNEL,
)

ENTRIES = [GAMMA_BETA_SWAPPED, MISSING_AFFINE, MISSING_GAMMA, MISSING_BETA, AFFINE_WRONG_AXIS,
           AFFINE_BATCH_AXIS, GAMMA_BEFORE_NORMALIZING]
