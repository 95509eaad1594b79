"""The engine: runs the catalogue over one failing run.

1. detectors (execution, interface, outputs) read the run;
2. structure: perturbation probes tell who shares statistics;
3. formula: the simplest variant of the kata's family that reproduces the
   student everywhere, each deviation named by the entry claiming it;
4. evidence and counterexample from visible calls; text from the entry.

It never raises: an entry that fails is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from grader.diagnose import facts as F
from grader.diagnose import shrink
from grader.diagnose.catalogue import CATALOGUE
from grader.diagnose.context import Arrays, Context, DiagnosisInput, Item, build, close
from grader.diagnose.entry import Entry, Finding
from grader.diagnose.evidence import build as evidence_numbers
from grader.diagnose.evidence import row
from grader.diagnose.fit import (
    Candidate,
    FitResult,
    all_stages,
    claimed_stages,
    fit,
    outputs_of,
)
from grader.diagnose.layout import Grouping
from grader.diagnose.structure import find_grouping
from grader.result import Diagnosis, SourceLine

CATEGORIES = ("execution", "interface", "structure", "statistics", "affine", "output", "advice")


@dataclass
class Formula:
    """What the structure and fit steps found (shared by the findings they made)."""

    result: FitResult
    observed: Grouping | None


def diagnose(inp: DiagnosisInput) -> list[Diagnosis]:
    """Named mistakes with evidence and one fix each; [] when nothing is known."""
    try:
        if inp.results and all(r.status == "passed" and not r.mutated for r in inp.results):
            return []
        ctx = build(inp)
    except Exception:
        return []
    entries = [e for e in CATALOGUE if e.applies_to(ctx.kata)]
    findings: list[Finding] = []
    for entry in entries:
        if entry.detect is None:
            continue
        try:
            findings += entry.detect(ctx)
        except Exception:
            continue
    formula: Formula | None = None
    if ctx.outcome.status == "ok":
        try:
            formula, found = _formula(ctx, entries)
            findings += found
        except Exception:
            formula = None
    base = F.base(ctx, entries)
    out = []
    seen: set[str] = set()
    for finding in _resolve(findings):
        try:
            diagnosis = _render(ctx, finding, base, formula)
        except Exception:
            continue
        if diagnosis.counterexample is not None:
            if diagnosis.counterexample.call in seen:
                diagnosis.counterexample = None
            else:
                seen.add(diagnosis.counterexample.call)
        out.append(diagnosis)
    return out


# -- structure and formula ------------------------------------------------------------


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


def _same(a: Grouping, b: Grouping, kwargs: Any) -> bool:
    return a.axes == b.axes and a.count(kwargs) == b.count(kwargs)


def _claimer(entries: Sequence[Entry], stage: str, value: str, default: str) -> Entry | None:
    for e in entries:
        if e.variant is not None and e.variant.claims(stage, value, default):
            return e
    return None


def _formula(ctx: Context, entries: Sequence[Entry]) -> tuple[Formula, list[Finding]]:
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
    if observed is not None:
        groupings = [(expected if _same(observed, expected, kwargs) else observed, 0)]
    else:
        groupings = [(expected, 0)]
        for e in axis_entries:
            g = e.axes(layout) if e.axes is not None else None
            if g and g.axes and g.groups is None and not any(_same(g, h, kwargs) for h, _ in
                                                                 groupings):
                groupings.append((g, 1))
    result = fit(ctx, stages, groupings)
    formula = Formula(result, observed)
    findings: list[Finding] = []
    used = observed if observed is not None else (result.best.grouping if result.best else None)
    if used is not None and not _same(used, expected, kwargs):
        entry = F.axis_entry(axis_entries, layout, used)
        if entry is not None:
            findings.append(
                Finding(
                    entry,
                    F.axes(ctx, used, kwargs),
                    confidence="certain" if result.best is not None else "likely",
                    reduced_axes=sorted(used.axes),
                    expected_axes=sorted(expected.axes),
                    layout=layout.letters,
                    grouping=used,
                )
            )
    best = result.best
    if best is not None:
        def named(c: Candidate) -> set[str]:
            return {e.id for s, v in c.deviations
                    if (e := _claimer(variants, s, v, stages[s][0])) is not None}

        ambiguous = any(named(t) != named(best) for t in result.ties)
        for stage, value in best.deviations:
            entry = _claimer(variants, stage, value, stages[stage][0])
            if entry is None:
                continue
            findings.append(
                Finding(
                    entry,
                    {"stage": stage, "value": value, "value_names": _names(ctx, value)},
                    form=ctx.kata.structure.family if ctx.kata.structure else "",
                    confidence="likely" if ambiguous else "certain",
                    deviation=(stage, value),
                    grouping=best.grouping,
                )
            )
    return formula, findings


def _names(ctx: Context, value: str) -> str:
    outputs = ctx.kata.structure.outputs if ctx.kata.structure is not None else {}
    return ", ".join(outputs.get(part, part) for part in value.split(","))


# -- resolving -------------------------------------------------------------------------


def _resolve(findings: list[Finding]) -> list[Finding]:
    merged: dict[str, Finding] = {}
    for f in findings:
        m = merged.get(f.entry.id)
        if m is None:
            merged[f.entry.id] = f
            continue
        m.cases += [c for c in f.cases if c not in m.cases]
        m.messages += f.messages
        m.source = m.source or f.source
    kept = []
    explainers = [f for f in merged.values() if f.entry.explains]
    for f in merged.values():
        shown = [m for m in f.messages if m]
        if f.entry.explains is None and shown:
            by = [e for e in explainers
                  if all(re.search(str(e.entry.explains), m) for m in shown)]
            if by:
                by[0].cases += [c for c in f.cases if c not in by[0].cases]
                continue
        kept.append(f)
    result = [f for f in kept if not f.entry.yields_to]
    for f in kept:
        if f.entry.yields_to and not any(g.entry.category in f.entry.yields_to for g in result):
            result.append(f)
    order = {e.id: i for i, e in enumerate(CATALOGUE)}
    result.sort(key=lambda f: (CATEGORIES.index(f.entry.category), order[f.entry.id]))
    return result


# -- evidence, counterexample, text ----------------------------------------------------


def _outputs(ctx: Context, item: Item, candidate: Candidate) -> Arrays | None:
    assert ctx.family is not None
    return outputs_of(ctx.kata, ctx.family, ctx.output_roles, item.kwargs, candidate.variant,
                      candidate.grouping, item.cache)


def _without(ctx: Context, finding: Finding, formula: Formula | None) -> Any:
    """item -> the student's outputs with this one mistake put right (or the reference)."""
    best = formula.result.best if formula is not None else None
    stages = formula.result.stages if formula is not None else {}
    fixed: Candidate | None = None
    if best is not None and finding.deviation is not None:
        fixed = best.without(finding.deviation[0], stages)
    elif best is not None and finding.entry.axes is not None and ctx.expected is not None:
        fixed = Candidate(best.assignment, ctx.expected, best.deviations)

    def without(item: Item) -> Arrays | None:
        if fixed is None:
            return item.reference
        return _outputs(ctx, item, fixed)

    return without


def _alone(ctx: Context, finding: Finding, formula: Formula | None) -> Any:
    """item -> the outputs of this mistake alone, or None when not a formula mistake."""
    if formula is None or ctx.expected is None or ctx.family is None:
        return lambda item: None
    stages = formula.result.stages
    default = tuple((s, v[0]) for s, v in stages.items())
    if finding.deviation is not None:
        stage, value = finding.deviation
        assignment = tuple((s, value if s == stage else v) for s, v in default)
        mutant = Candidate(assignment, ctx.expected, (finding.deviation,))
    elif finding.entry.axes is not None and finding.grouping is not None:
        mutant = Candidate(default, finding.grouping, ())
    else:
        return lambda item: None
    return lambda item: _outputs(ctx, item, mutant)


def _evidence_item(ctx: Context, without: Any, smallest: bool) -> Item | None:
    found = []
    for item in [*ctx.cases, *ctx.probe("base"), *ctx.probe("shrink")]:
        if not item.visible or not item.shaped or item.outputs is None:
            continue
        right = without(item)
        if right is not None and not close(item.outputs, right, item.tol):
            found.append(item)
    if not found:
        return None
    if smallest and ctx.expected is not None:
        from grader.diagnose.evidence import smallest_variance

        expected = ctx.expected

        def key(i: Item) -> float:
            try:
                return smallest_variance(ctx, i, expected)
            except (ValueError, TypeError, IndexError):
                return float("inf")

        return min(found, key=key)
    return found[0]


def _render(
    ctx: Context, finding: Finding, base: dict[str, Any], formula: Formula | None
) -> Diagnosis:
    entry = finding.entry
    without = _without(ctx, finding, formula)
    smallest = any(s.kind == "smallest_group" for s in entry.evidence)
    item = _evidence_item(ctx, without, smallest) if entry.evidence or entry.variant else None
    facts_item = item or next((i for i in [*ctx.probe("base"), *ctx.cases] if i.visible), None)
    grouping = finding.grouping or ctx.expected
    facts = {**base, **F.item(ctx, facts_item, grouping), **finding.facts}
    evidence = list(finding.evidence)
    if item is not None and item.outputs is not None:
        right = without(item)
        for spec in entry.evidence:
            k = ctx.output_index(spec.output)
            g = _evidence_grouping(ctx, spec.grouping, finding)
            if k is None or g is None or right is None or ctx.layout is None:
                continue
            yours, expected = evidence_numbers(ctx, spec.kind, item, item.outputs[k], right[k], g)
            label_facts = {**facts, "output": ctx.kata.returns[k].name,
                           "per": ctx.layout.per_grouping(g)}
            evidence.append(row(F.fill(spec.label, label_facts), yours, expected,
                                F.fill(spec.note, label_facts)))
    counterexample = finding.counterexample
    if counterexample is None and (entry.variant is not None or entry.axes is not None):
        alone = _alone(ctx, finding, formula)

        def keep(i: Item) -> bool:
            mutant = alone(i)
            return mutant is None or (i.reference is not None
                                      and not close(mutant, i.reference, i.tol))

        counterexample = shrink.counterexample(ctx, keep)
    text = entry.text_for(finding.form)
    notes = [F.fill(n, facts) for n in text.notes]
    return Diagnosis(
        id=entry.id,
        title=F.fill(text.title, facts),
        message=" ".join(_sentence(n) for n in notes),
        category=entry.category,
        confidence=finding.confidence,
        notes=notes,
        help=F.fill(text.help, facts),
        help_code=F.fill(text.help_code, facts) if text.help_code else None,
        reduced_axes=finding.reduced_axes,
        expected_axes=finding.expected_axes,
        layout=finding.layout,
        cases=list(finding.cases),
        evidence=evidence,
        counterexample=counterexample,
        source=finding.source or _source(ctx, entry, facts),
    )


def _evidence_grouping(ctx: Context, which: str, finding: Finding) -> Grouping | None:
    if which == "observed":
        return finding.grouping or ctx.expected
    if which == "affine":
        if ctx.affine is None or ctx.layout is None:
            return None
        return Grouping(ctx.layout.all - {ctx.affine})
    return ctx.expected


def _source(ctx: Context, entry: Entry, facts: dict[str, Any]) -> SourceLine | None:
    for pattern in entry.source:
        found = ctx.find_line(F.fill_pattern(pattern, facts))
        if found is not None:
            line, text, start, end = found
            return SourceLine(line=line, text=text, column=start, end_column=end)
    return None


def _sentence(note: str) -> str:
    note = note.strip()
    if not note:
        return note
    note = note[0].upper() + note[1:]
    return note if note.endswith((".", "!", "?")) else note + "."
