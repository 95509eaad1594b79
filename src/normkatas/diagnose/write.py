"""A finding written out: evidence and counterexample from visible calls, and
the entry's text filled with facts."""

from __future__ import annotations

from typing import Any

from normkatas.diagnose import facts as F
from normkatas.diagnose import shrink
from normkatas.diagnose.context import Arrays, Context, Item, close
from normkatas.diagnose.entry import Entry, Finding
from normkatas.diagnose.evidence import build as evidence_numbers
from normkatas.diagnose.evidence import differing_variance, row, telling
from normkatas.diagnose.fit import Candidate, outputs_of
from normkatas.diagnose.formula import Formula
from normkatas.diagnose.layout import Grouping
from normkatas.report.result import Diagnosis, SourceLine


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
    wanted_all = smallest and ctx.expected is not None
    for item in [*ctx.cases, *ctx.probe("base"), *ctx.probe("shrink")]:
        if not item.visible or not item.shaped or item.outputs is None:
            continue
        right = without(item)
        if right is not None and not close(item.outputs, right, item.tol):
            found.append(item)
            if not wanted_all:
                break  # the first one is the answer
    if not found:
        return None
    if wanted_all:
        assert ctx.expected is not None
        expected = ctx.expected

        def key(i: Item) -> tuple[bool, float]:
            right = without(i)
            assert i.outputs is not None and right is not None
            try:
                variance = differing_variance(ctx, i, expected, i.outputs[0], right[0])
            except (ValueError, TypeError, IndexError):
                variance = float("inf")
            return i.kind != "case", variance

        return min(found, key=key)
    return found[0]


def write(
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
            if k is None or right is None or ctx.layout is None:
                continue
            # "telling": the student's own groups, or the kata's when those show nothing
            options = ["observed", "expected"] if spec.grouping == "telling" else [spec.grouping]
            for which in options:
                g = _evidence_grouping(ctx, which, finding)
                if g is None:
                    continue
                # an output is shown against the reference itself (the numbers of the
                # statement's worked example), derived views against "this one fixed"
                target = item.reference[k] if spec.kind == "output" and item.reference else right[k]
                yours, expected, more = evidence_numbers(
                    ctx, spec.kind, item, item.outputs[k], target, g
                )
                if telling(yours, expected):
                    break
            if g is None:
                continue
            label_facts = {**facts, **more, "output": ctx.kata.returns[k].name,
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
    cases = list(finding.cases)
    if not cases and (entry.variant is not None or entry.axes is not None):
        cases = [i.key for i in ctx.cases if i.separated]
    text = entry.text_for(finding.form)
    notes = [F.fill(n, facts) for n in text.notes]
    names = {p.name for p in ctx.kata.params} | {ctx.kata.entry}
    return Diagnosis(
        id=entry.id,
        title=F.fill(text.title, facts),
        message=" ".join(_sentence(n, names) for n in notes),
        category=entry.category,
        confidence=finding.confidence,
        notes=notes,
        help=F.fill(text.help, facts),
        help_code=F.fill(text.help_code, facts) if text.help_code else None,
        reduced_axes=finding.reduced_axes,
        expected_axes=finding.expected_axes,
        layout=finding.layout,
        groups=_int(finding.facts.get("groups_seen")) if finding.reduced_axes else None,
        expected_groups=_int(finding.facts.get("groups_value")) if finding.expected_axes else None,
        cases=cases,
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


def _sentence(note: str, names: set[str]) -> str:
    """A note as a sentence: capitalized unless it starts with code."""
    note = note.strip()
    if not note:
        return note
    first = note.split(" ", 1)[0]
    if first.isalpha() and first.islower() and first not in names:
        note = note[0].upper() + note[1:]
    return note if note.endswith((".", "!", "?")) else note + "."


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None
