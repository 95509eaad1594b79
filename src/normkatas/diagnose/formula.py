"""Structure and formula: who shares statistics (probes), then the simplest
formula variant that reproduces the student, each deviation named by the
catalogue entry that claims it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from normkatas.diagnose import facts as F
from normkatas.diagnose.context import Context
from normkatas.diagnose.entry import Entry, Finding
from normkatas.diagnose.evidence import num, row
from normkatas.diagnose.families.backward import PATTERNS, TERMS, decode
from normkatas.diagnose.fit import (
    Candidate,
    Exclusion,
    FitResult,
    all_stages,
    claimed_stages,
    exclude,
    fit,
)
from normkatas.diagnose.layout import Grouping
from normkatas.diagnose.structure import find_grouping
from normkatas.diagnose.terms import facts as terms_words
from normkatas.diagnose.terms import fit_terms
from normkatas.report.result import Confidence, Evidence

GROUPING = "grouping"
"""The name of a candidate's grouping when it is not the kata's (an axes mistake)."""

TERM_CODE = {
    "dout": "dout",
    "mean": "mean(dout)",
    "variance": "x_hat * mean(dout * x_hat)",
    "variance-times-var": "x_hat * mean(dout * x_hat) * (var + eps)",
}


@dataclass
class Formula:
    """What the structure and fit steps found (shared by the findings they made)."""

    result: FitResult
    observed: Grouping | None


def observe(ctx: Context) -> Grouping | None:
    """The grouping the perturbation probes reveal, or None."""
    family, layout = ctx.family, ctx.layout
    if family is None or layout is None or family.structure_role is None:
        return None
    k = ctx.output_index(family.structure_role)
    base = ctx.probe("base")
    perturbed = ctx.probe("perturb")
    if k is None or not base or not perturbed or not base[0].shaped or base[0].outputs is None:
        return None
    pairs = []
    for p in perturbed:
        if not p.shaped or p.outputs is None or p.plan is None or p.plan.position is None:
            return None
        pairs.append((p.plan.position, p.outputs[k]))
    return find_grouping(layout, base[0].outputs[k], pairs)


def _channels(ctx: Context, kwargs: Any) -> int | None:
    x = kwargs.get(ctx.param("input"))
    channel = ctx.layout.channel if ctx.layout is not None else None
    if channel is None or x is None or np.ndim(x) <= channel:
        return None
    return int(np.shape(x)[channel])


def same(a: Grouping, b: Grouping, kwargs: Any) -> bool:
    return (a.axes == b.axes and a.count(kwargs) == b.count(kwargs)
            and a.interleaved == b.interleaved and a.rows_axis == b.rows_axis)


def claimer(entries: Sequence[Entry], stage: str, value: str, default: str) -> Entry | None:
    for e in entries:
        if e.variant is not None and e.variant.claims(stage, value, default):
            return e
    return None


def find(ctx: Context, entries: Sequence[Entry]) -> tuple[Formula, list[Finding]]:
    layout, expected = ctx.layout, ctx.expected
    if ctx.family is None or layout is None or expected is None:
        raise LookupError("no formula family")
    variants = [e for e in entries if e.variant is not None]
    axis_entries = [e for e in entries if e.axes is not None]
    claims: dict[str, set[str]] = {}
    for e in variants:
        assert e.variant is not None
        claims.setdefault(e.variant.stage, set()).update(e.variant.values or {"*"})
    stages = claimed_stages(all_stages(ctx), claims)
    observed = observe(ctx)
    bases = ctx.probe("base") or ctx.cases
    kwargs = bases[0].kwargs if bases else {}
    groupings: list[tuple[Grouping, int]]
    if observed is not None and same(observed, expected, kwargs):
        groupings = [(expected, 0)]
    elif observed is not None:
        # the probes see the union of who shares the mean and who shares the variance:
        # the kata's grouping with a variance of another form explains a wider one too
        groupings = [(observed, 0), (expected, 0)]
        channels = _channels(ctx, kwargs)
        if observed.interleaved and isinstance(expected.groups, str):  # the kata's count
            groupings.append((Grouping(observed.axes, expected.groups, interleaved=True), 0))
        if isinstance(observed.groups, int) and channels:  # a fixed group size, maybe
            groupings.append((Grouping(observed.axes, block=channels // observed.groups), 0))
            if isinstance(expected.groups, str):  # the group count read as a group size
                groupings.append((Grouping(observed.axes, block=expected.groups), 0))
    else:
        groupings = [(expected, 0)]
        for e in axis_entries:
            g = e.axes(layout) if e.axes is not None else None
            if g and g.axes and not g.grouped and not any(same(g, h, kwargs) for h, _ in
                                                                 groupings):
                groupings.append((g, 1))
    needs = {expected: "spread"} if observed is not None and not same(observed, expected, kwargs) \
        and "spread" in stages else {}
    term_fit = fit_terms(ctx, stages, groupings) if "dx" in stages else None
    result = (FitResult(term_fit.candidate, [], stages) if term_fit is not None
              else fit(ctx, stages, groupings, needs=needs))
    formula = Formula(result, observed)
    findings: list[Finding] = []
    exclusion: Exclusion | None = None
    if result.best is not None:

        claimed: dict[tuple[str, str], str | None] = {}
        groupings_off: dict[Grouping, bool] = {}

        def names(c: Candidate) -> frozenset[str]:
            out = set()
            for s, v in c.deviations:
                if (s, v) not in claimed:
                    e = claimer(variants, s, v, stages[s][0])
                    claimed[(s, v)] = e.id if e is not None else None
                if (name := claimed[(s, v)]) is not None:
                    out.add(name)
            if c.grouping not in groupings_off:
                groupings_off[c.grouping] = not same(c.grouping, expected, kwargs)
            if groupings_off[c.grouping]:
                out.add(GROUPING)
            return frozenset(out)

        exclusion = exclude(ctx, stages, groupings, result.best, names, needs=needs)

    def confidence(name: str) -> Confidence:
        return "certain" if exclusion is not None and exclusion.certain(name) else "likely"

    used = result.best.grouping if result.best is not None else observed
    if used is not None and not same(used, expected, kwargs):
        entry = F.axis_entry(axis_entries, layout, used)
        fitted = result.best.grouping if result.best is not None else used
        if entry is not None:
            findings.append(
                Finding(
                    entry,
                    F.axes(ctx.kata, used, kwargs),
                    form="block-param" if isinstance(fitted.block, str) else "",
                    confidence=confidence(GROUPING),
                    reduced_axes=sorted(used.axes),
                    expected_axes=sorted(expected.axes),
                    layout=layout.shown,
                    grouping=used,
                )
            )
    best = result.best
    if best is not None:
        for stage, value in best.deviations:
            entry = claimer(variants, stage, value, stages[stage][0])
            if entry is None:
                continue
            findings.append(
                Finding(
                    entry,
                    {"stage": stage, "value": value, "value_names": _names(ctx, value),
                     **_value_facts(ctx, stage, value)},
                    form=ctx.kata.structure.family if ctx.kata.structure else "",
                    confidence=confidence(entry.id),
                    deviation=(stage, value),
                    grouping=best.grouping,
                    evidence=_terms_evidence(ctx, value) if stage == "dx" and term_fit else [],
                )
            )
    return formula, findings


def _names(ctx: Context, value: str) -> str:
    outputs = ctx.kata.structure.outputs if ctx.kata.structure is not None else {}
    return ", ".join(outputs.get(part, part) for part in value.split(","))




def _batch_letter(ctx: Context) -> str:
    layout = ctx.layout
    return layout.letter(layout.batch) if layout is not None and layout.batch is not None \
        else "m"


def _terms_evidence(ctx: Context, value: str) -> list[Evidence]:
    """The student's coefficients on the terms of dx against the right ones, on the
    first visible case (m known there)."""
    item = next((i for i in ctx.cases if i.visible and i.shaped), None)
    if item is None or ctx.layout is None or ctx.layout.batch is None:
        return []
    x = np.asarray(item.kwargs.get(ctx.param("input")))
    if x.ndim != ctx.layout.ndim or ctx.expected is None:
        return []
    m = int(np.prod([x.shape[a] for a in ctx.expected.axes]))
    yours, right = decode(value), PATTERNS["right"]
    shown = [k for k, (a, b) in enumerate(zip(yours, right, strict=True)) if a[0] or b[0]]
    terms = ", ".join(TERM_CODE[TERMS[k]] for k in shown)
    label = (f"coefficients of dx on its terms {terms}, each times gamma / std, on {item.label}"
             f" ({_batch_letter(ctx)} = {m})")
    return [row(label, [num(yours[k][0] * float(m) ** yours[k][1]) for k in shown],
                [num(right[k][0] * float(m) ** right[k][1]) for k in shown], "")]


def _value_facts(ctx: Context, stage: str, value: str) -> dict[str, str]:
    """Words for a stage value the entry's text may use."""
    eps = ctx.param("epsilon")
    if stage == "dx":
        return dict(terms_words(value, _batch_letter(ctx)))
    if stage == "var_out":
        return {"value_text": {"var+eps": f"var + {eps}", "std+eps": f"sqrt(var + {eps})",
                               "std": "sqrt(var)"}.get(value, value)}
    if stage == "spread" and ctx.layout is not None:
        from normkatas.diagnose.facts import axes_text
        from normkatas.diagnose.families.normalization import other_axes

        axes = other_axes(ctx.layout, value)
        if axes is not None:
            return {"spread_per": ctx.layout.per(ctx.layout.all - axes),
                    "spread_axes_text": axes_text(axes)}
    return {}
