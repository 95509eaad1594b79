"""Backward pass: gradients of batch normalization."""

from __future__ import annotations

import itertools
import re

import numpy as np

from normkatas.diagnose.catalogue.common import failed_calls, shape_text
from normkatas.diagnose.context import Context, Item, allclose
from normkatas.diagnose.entry import Entry, EvidenceSpec, Finding, Text, Variant
from normkatas.diagnose.facts import axes_text
from normkatas.diagnose.families import arg, group_stats
from normkatas.report.result import SourceLine

BROADCAST = r"could not be broadcast together"

FAMILY = frozenset({"norm-backward"})
DX = (
    "dx = {gamma} / np.sqrt(var + {epsilon}) * ({dout} - {dout}.mean(axis=0)"
    " - x_hat * ({dout} * x_hat).mean(axis=0))"
)

MEAN_VAR_CONSTANT = Entry(
    id="mean-var-constant",
    category="statistics",
    families=FAMILY,
    variant=Variant("dx", ("constant-stats",)),
    text=Text(
        title="dx ignores the gradient through the mean and the variance",
        notes=(
            "your dx equals {dout} * {gamma} / sqrt(var + {epsilon}), as if the mean and the"
            " variance were constants",
            "both depend on every x of the batch, which adds two terms; with them, dx sums to 0"
            " over the batch for every feature",
        ),
        help="subtract the batch means of {dout} and of {dout} * x_hat",
        help_code=DX,
    ),
    evidence=(
        EvidenceSpec("group_sum", "sum of dx over the batch, {per}, {where}", output="dx"),
    ),
)

MISSING_ONE_OVER_M = Entry(
    id="missing-1-over-m",
    category="statistics",
    families=FAMILY,
    variant=Variant("dx", ("sums", "times-m")),
    text=Text(
        title="the 1/m factors of the mean and variance gradients are missing",
        notes=(
            "your dx matches the closed form without its division by m = {m}, the number of"
            " values behind each mean",
            "the mean is a sum divided by m, so every gradient through it carries 1/m",
        ),
        help="use means over the batch, not sums, in the two correction terms",
        help_code=DX,
    ),
    evidence=(EvidenceSpec("output", "dx, {where}", output="dx"),),
)

DGAMMA_DBETA_SWAPPED = Entry(
    id="dgamma-dbeta-swapped",
    category="output",
    families=FAMILY,
    variant=Variant("order", ("dx,dbeta,dgamma", "dx,dgamma,dbeta")),  # the one not declared
    text=Text(
        title="dgamma and dbeta swapped",
        notes=(
            "your second output is sum({dout}), the gradient of the shift beta, and your third"
            " is sum({dout} * x_hat), the gradient of the scale gamma",
        ),
        help="return dgamma = sum(dout * x_hat) second and dbeta = sum(dout) third",
        help_code="return dx, ({dout} * x_hat).sum(axis=0), {dout}.sum(axis=0)",
    ),
    evidence=(EvidenceSpec("output", "{output}, {where}", output="dgamma"),),
)

MISSING_MEAN_TERM = Entry(
    id="dx-missing-mean-term",
    category="statistics",
    families=FAMILY,
    variant=Variant("dx", ("no-mean-term",)),
    text=Text(
        title="dx leaves out the gradient through the mean",
        notes=(
            "your dx matches the closed form without its term - mean({dout}): the path from x"
            " through the batch mean is missing; the term through the variance is there",
            "every x moves the mean, and the mean moves every output, so dx carries the batch"
            " mean of {dout} * {gamma}, divided by sqrt(var + {epsilon})",
        ),
        help="subtract the batch mean of {dout} inside the bracket",
        help_code=DX,
    ),
    evidence=(
        EvidenceSpec("group_sum", "sum of dx over the batch, {per}, {where}", output="dx"),
    ),
)

MISSING_VAR_TERM = Entry(
    id="dx-missing-variance-term",
    category="statistics",
    families=FAMILY,
    variant=Variant("dx", ("no-var-term",)),
    text=Text(
        title="dx leaves out the gradient through the variance",
        notes=(
            "your dx matches the closed form without its term - x_hat * mean({dout} * x_hat):"
            " the path from x through the batch variance is missing; the term through the mean"
            " is there",
            "every x moves the variance, which scales every output: that path adds"
            " - x_hat * mean({dout} * x_hat) inside the bracket",
        ),
        help="subtract x_hat times the batch mean of {dout} * x_hat inside the bracket",
        help_code=DX,
    ),
    evidence=(EvidenceSpec("output", "dx, {where}", output="dx"),),
)

DVAR_EXPONENT = Entry(
    id="dvar-exponent",
    category="statistics",
    families=FAMILY,
    variant=Variant("dx", ("dvar-exponent",)),
    text=Text(
        title="dvar uses (var + epsilon) ** -0.5 instead of ** -1.5",
        notes=(
            "your dx matches the closed form with its variance term multiplied by"
            " var + {epsilon}: the power in dvar is one too high",
            "d/dvar of (var + eps) ** -0.5 is -0.5 * (var + eps) ** -1.5",
        ),
        help="use the exponent -1.5 in dvar",
        help_code="dvar = np.sum(dx_hat * (x - mean), axis=0) * -0.5 * (var + {epsilon}) ** -1.5",
    ),
    source=(r"\*\*\s*\(?\s*-\s*0?\.5\b", r"\*\*\s*\(?\s*-\s*1\s*/\s*2\b"),
    evidence=(EvidenceSpec("output", "dx, {where}", output="dx"),),
)

DGAMMA_FROM_X = Entry(
    id="dgamma-from-x",
    category="statistics",
    families=FAMILY,
    variant=Variant("dgamma", ("x",)),
    text=Text(
        title="dgamma computed from x instead of x_hat",
        notes=(
            "your dgamma equals sum({dout} * {input}); the scale gamma multiplies the"
            " normalized x_hat, so its gradient is sum({dout} * x_hat)",
        ),
        help="multiply {dout} by x_hat, not by {input}, in dgamma",
        help_code="dgamma = ({dout} * x_hat).sum(axis=0)",
    ),
    source=(r"\b{dout}\s*\*\s*{input}\b", r"\b{input}\s*\*\s*{dout}\b"),
    evidence=(EvidenceSpec("output", "{output}, {where}", output="dgamma"),),
)

DX_TERMS = Entry(
    id="dx-term-coefficients",
    category="statistics",
    families=FAMILY,
    variant=Variant("dx", ("terms:*",)),
    text=Text(
        title="dx weighs the terms of the gradient wrongly",
        notes=(
            "fitted on every case and probe, your dx = {terms_formula}, with"
            " std = sqrt(var + {epsilon})",
            "{terms_text}",
            "the mean and the variance each depend on every x of the batch; each path adds one"
            " term with the factor -1 (a mean is a sum times 1/N)",
        ),
        help="give each term of dx the coefficient of the closed form",
        help_code=DX,
    ),
    evidence=(EvidenceSpec("output", "dx, {where}", output="dx"),),
)


def _summed_over_features(ctx: Context) -> list[Finding]:
    """numpy's error for an (N,) sum against (N, D): a sum over axis 1, where the
    gradients of per-feature parameters sum over axis 0."""
    items = []
    for item in failed_calls(ctx, "exception"):
        assert item.call is not None
        exc = item.call.exception
        x = np.asarray(item.kwargs.get(ctx.param("input")))
        if exc is None or x.ndim != 2 or x.shape[0] == x.shape[1] or not re.search(
            BROADCAST, exc.message
        ):
            continue
        shapes = re.findall(r"\(([\d,\s]*)\)", exc.message)
        if f"{x.shape[0]}," not in [s.replace(" ", "") for s in shapes]:
            continue
        items.append(item)
    if not items:
        return []
    found = ctx.find_line(r"sum\([^#]*axis\s*=\s*1\b")
    source = (SourceLine(line=found[0], text=found[1], column=found[2], end_column=found[3])
              if found is not None else None)
    return [Finding(
        SUMMED_OVER_FEATURES, {}, cases=[i.key for i in items], source=source,
        messages=tuple(i.call.exception.message for i in items if i.call and i.call.exception),
    )]


SUMMED_OVER_FEATURES = Entry(
    id="gradient-summed-over-features",
    category="statistics",
    families=FAMILY,
    detect=_summed_over_features,
    explains=BROADCAST,
    text=Text(
        title="a gradient summed over the features instead of over the batch",
        notes=(
            "numpy reports an array of shape (N,) against one of shape (N, D): a sum over"
            " axis 1 leaves one value per sample",
            "dgamma and dbeta belong to per-feature parameters, so they sum over the batch,"
            " axis 0, and have shape (D,)",
        ),
        help="sum over axis 0",
        help_code="dbeta = {dout}.sum(axis=0)\ndgamma = ({dout} * x_hat).sum(axis=0)",
    ),
)

PARAMS = (("dgamma", "{dout} * x_hat"), ("dbeta", "{dout}"))
"""The parameter gradients and the per-element term each one sums."""


def _terms(ctx: Context, item: Item) -> dict[str, np.ndarray] | None:
    """Per element, what dgamma and dbeta sum: dout * x_hat and dout."""
    if ctx.layout is None or ctx.expected is None:
        return None
    x = np.asarray(arg(ctx.kata, item.kwargs, "input"), dtype=np.float64)
    dout = np.asarray(arg(ctx.kata, item.kwargs, "dout"), dtype=np.float64)
    if x.shape != dout.shape or x.ndim != ctx.layout.ndim:
        return None
    mean, var, _, _, _ = group_stats(x, ctx.expected, item.kwargs, ctx.layout, 0)
    eps = float(arg(ctx.kata, item.kwargs, "epsilon", 0.0))
    with np.errstate(all="ignore"):
        return {"dgamma": dout * (x - mean) / np.sqrt(var + eps), "dbeta": dout}


def _summed_axes(
    term: np.ndarray, yours: np.ndarray, right: tuple[int, ...], item: Item
) -> tuple[int, ...] | None:
    """The axes ``yours`` sums ``term`` over, when they are not ``right``."""
    for k in range(term.ndim + 1):
        for axes in itertools.combinations(range(term.ndim), k):
            if axes == right:
                continue
            for keep in (False, True):
                with np.errstate(all="ignore"):
                    alt = term.sum(axis=axes, keepdims=keep) if axes else term
                if alt.shape == yours.shape and allclose(yours, alt, item.tol.rtol,
                                                         item.tol.atol):
                    return axes
    return None


def _parameter_gradient_axes(ctx: Context) -> list[Finding]:
    """dgamma or dbeta returned as the sum of the right term over other axes (none,
    the features, all of them): every shape mismatch of every case explained so."""
    if ctx.layout is None or ctx.affine is None:
        return []
    right = tuple(a for a in range(ctx.layout.ndim) if a != ctx.affine)
    found: dict[str, tuple[int, ...]] = {}
    items: list[Item] = []
    for item in ctx.cases:
        if item.outputs is None or item.reference is None \
                or len(item.outputs) != len(item.reference):
            continue
        wrong = [k for k, (a, b) in enumerate(zip(item.outputs, item.reference, strict=True))
                 if a.shape != b.shape]
        if not wrong:
            continue
        terms = _terms(ctx, item)
        if terms is None:
            return []
        for k in wrong:
            output_role = ctx.output_roles[k]
            if output_role not in terms:
                return []  # a shape this mistake does not explain
            axes = _summed_axes(terms[output_role], item.outputs[k], right, item)
            if axes is None or found.setdefault(output_role, axes) != axes:
                return []
        items.append(item)
    if not found:
        return []
    roles = [r for r, _ in PARAMS if r in found]
    axes = found[roles[0]]
    if any(found[r] != axes for r in roles):
        roles = roles[:1]  # one mistake at a time, the first output's
    first = items[0]
    k = ctx.output_roles.index(roles[0])
    assert first.outputs is not None and first.reference is not None
    outputs = [ctx.kata.returns[ctx.output_roles.index(r)].name for r in roles]
    kept = [a for a in range(ctx.layout.ndim) if a not in axes]
    term = dict(PARAMS)[roles[0]].format(dout=ctx.param("dout"))
    facts = {
        "outputs": " and ".join(outputs),
        "first_output": outputs[0],
        "summed": ("not summed at all" if not axes else
                   "summed over every axis" if len(axes) == ctx.layout.ndim else
                   f"summed over {axes_text(axes)}"),
        "sum_code": (term if not axes else
                     f"np.sum({term})" if len(axes) == ctx.layout.ndim else
                     f"np.sum({term}, axis={axes[0] if len(axes) == 1 else axes})"),
        "kept": ("one value per " + " and ".join(ctx.layout.noun(a) for a in kept) if kept
                 else "one number for the whole input"),
        "yours": shape_text(first.outputs[k].shape),
        "expected": shape_text(first.reference[k].shape),
        "right_axes": axes_text(right),
        "affine_noun": ctx.layout.noun(ctx.affine),
    }
    form = "none" if not axes else "all" if len(axes) == ctx.layout.ndim else ""
    return [Finding(PARAMETER_GRADIENT_AXES, facts, form=form, cases=[i.key for i in items])]


_AXES_NOTES = (
    "{gamma} and beta hold one value per {affine_noun}, and each value touches every"
    " element of its {affine_noun} across the batch, so its gradient adds up over"
    " {right_axes} and has shape {expected}",
)
_AXES_HELP = "sum over {right_axes}, keeping one value per {affine_noun}"
_AXES_CODE = "dbeta = {dout}.sum(axis=0)\ndgamma = ({dout} * x_hat).sum(axis=0)"

PARAMETER_GRADIENT_AXES = Entry(
    id="parameter-gradient-axes",
    category="statistics",
    families=FAMILY,
    detect=_parameter_gradient_axes,
    supersedes=frozenset({"wrong-shape"}),
    text=Text(
        title="{outputs} {summed} instead of over the batch",
        notes=(
            "your {first_output} equals {sum_code}, shape {yours}: {kept}",
            *_AXES_NOTES,
        ),
        help=_AXES_HELP,
        help_code=_AXES_CODE,
    ),
    forms={
        "none": Text(
            title="{outputs} not summed over the batch",
            notes=(
                "your {first_output} equals {sum_code} element by element, shape {yours}",
                *_AXES_NOTES,
            ),
            help=_AXES_HELP,
            help_code=_AXES_CODE,
        ),
    },
    source=(r"\b{first_output}\s*=(?!=)\s*[^\s#].*?(?=\s*$)",),
)

ENTRIES = [SUMMED_OVER_FEATURES, PARAMETER_GRADIENT_AXES, MEAN_VAR_CONSTANT, MISSING_ONE_OVER_M,
           MISSING_MEAN_TERM, MISSING_VAR_TERM, DVAR_EXPONENT, DX_TERMS, DGAMMA_FROM_X,
           DGAMMA_DBETA_SWAPPED]
