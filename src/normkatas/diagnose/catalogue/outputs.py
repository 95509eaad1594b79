"""Outputs: right shapes, wrong content or side effects; and the humble fallback."""

from __future__ import annotations

import numpy as np

from normkatas.diagnose.catalogue.common import names, plural
from normkatas.diagnose.context import Context
from normkatas.diagnose.entry import Entry, EvidenceSpec, Finding, Text, Variant
from normkatas.diagnose.shrink import counterexample

ROOT_CAUSES = frozenset({"structure", "statistics", "affine"})


def _non_finite(ctx: Context) -> list[Finding]:
    items = []
    for item in ctx.cases:
        if not item.shaped:
            continue
        assert item.outputs is not None and item.reference is not None
        if any((~np.isfinite(a) & np.isfinite(b)).any()
               for a, b in zip(item.outputs, item.reference, strict=False)):
            items.append(item)
    if not items:
        return []
    shown = [i for i in items if i.visible] or items
    form = "" if shown[0].visible else "hidden"
    facts = {"cases": names(items), "count": plural(len(items), "case")}
    return [Finding(NON_FINITE_OUTPUT, facts, form=form, cases=[i.key for i in items])]


def _mutated(ctx: Context) -> list[Finding]:
    items = [i for i in ctx.cases if i.result is not None and i.result.mutated]
    if not items:
        return []
    mutated: list[str] = []
    for i in items:
        assert i.result is not None
        mutated += [m for m in i.result.mutated if m not in mutated]
    facts = {
        "names": " and ".join(mutated),
        "first": mutated[0],
        "cases": names(items),
        "hold": "holds" if len(mutated) == 1 else "hold",
        "arguments": "argument" if len(mutated) == 1 else "arguments",
    }
    buffers = {ctx.param("running_mean"), ctx.param("running_var")}
    form = "buffers" if set(mutated) <= buffers else ""
    return [Finding(MUTATED_INPUT, facts, form=form, cases=[i.key for i in items])]


def _unrecognised(ctx: Context) -> list[Finding]:
    items = [i for i in ctx.cases if i.separated]
    if not items:
        return []
    facts = {"cases": names(items), "count": plural(len(items), "case")}
    form = ""
    shown = next((i for i in items if i.visible), None)
    if shown is not None:
        from normkatas.diagnose.stages import check, sentence

        found = sentence(check(ctx, shown))
        if found:
            facts.update(stages=found, where=f"on {shown.label}")
            form = "stages"
    return [
        Finding(
            UNRECOGNISED,
            facts,
            form=form,
            cases=[i.key for i in items],
            confidence="likely",
            counterexample=counterexample(ctx, lambda i: True),
        )
    ]


RETURNED_STD = Entry(
    id="returned-std",
    category="output",
    variant=Variant("var_out", ("std",)),
    text=Text(
        title="standard deviation returned where the variance was asked",
        notes=(
            "the {var_name} you return is the square root of the variance the kata asks for",
        ),
        help="return the variance itself, not its square root",
        help_code="return {returns_code}",
    ),
    source=(r"np\.std\(|\.std\(", r"np\.sqrt\("),
    evidence=(EvidenceSpec("output", "{output}, {where}", output="var"),),
)

RETURNED_VAR_PLUS_EPS = Entry(
    id="returned-var-plus-epsilon",
    category="output",
    variant=Variant("var_out", ("var+eps", "std+eps")),
    text=Text(
        title="the denominator returned where the variance was asked",
        notes=(
            "the {var_name} you return is {value_text}, the quantity you divide by, not the"
            " variance itself",
            "epsilon only keeps the division finite; the statistic the kata asks for is the"
            " plain variance",
        ),
        help="return the variance before adding epsilon",
        help_code="return {returns_code}",
    ),
    source=(r"^\s*return\b",),
    evidence=(EvidenceSpec("output", "{output}, {where}", output="var"),),
)

OUTPUT_STATISTICS = Entry(
    id="output-statistics-returned",
    category="output",
    variant=Variant("stats_out", ("output",)),
    text=Text(
        title="statistics of the output returned instead of the input's",
        notes=(
            "the mean and variance you return are those of the normalized output (mean"
            " {beta}, variance about {gamma} squared), not those of {input}",
            "the kata asks for the batch statistics used to normalize {input}",
        ),
        help="return the mean and variance computed from {input}",
        help_code="return {returns_code}",
    ),
    source=(r"^\s*return\b",),
    evidence=(
        EvidenceSpec("output", "{output}, {where}", output="mean"),
        EvidenceSpec("output", "{output}, {where}", output="var"),
    ),
)

WRONG_RETURN_ORDER = Entry(
    id="wrong-return-order",
    category="output",
    variant=Variant("order"),
    text=Text(
        title="outputs returned in the order ({value_names}) instead of ({returns_code})",
        notes=("the values are right, but in another order than the one declared",),
        help="return the outputs in the declared order",
        help_code="return {returns_code}",
    ),
    source=(r"^\s*return\b",),
)

NON_FINITE_OUTPUT = Entry(
    id="non-finite-output",
    category="output",
    yields_to=ROOT_CAUSES,
    text=Text(
        title="output contains NaN or infinity where the reference is finite",
        notes=(
            "it happens on {count}: {cases}; a NaN usually comes from 0/0, such as a constant"
            " group divided by its standard deviation of 0",
        ),
        help="keep every division finite: epsilon goes inside the square root",
        help_code="x_hat = ({input} - mean) / np.sqrt(var + {epsilon})",
    ),
    forms={
        "hidden": Text(
            title="output contains NaN or infinity where the reference is finite",
            notes=("it happens on {count} ({cases}); a NaN usually comes from 0/0",),
            help="keep every division finite: epsilon goes inside the square root",
            help_code="x_hat = ({input} - mean) / np.sqrt(var + {epsilon})",
        )
    },
    detect=_non_finite,
)

MUTATED_INPUT = Entry(
    id="mutated-input",
    category="output",
    text=Text(
        title="{entry} modifies its {arguments} {names} in place",
        notes=(
            "after the call the caller's {names} no longer {hold} the values passed in; in a"
            " network they are still needed, by the next layer or by the backward pass"
            " ({cases})",
        ),
        help="work on new arrays: `{first} = {first} - mean` creates one, `{first} -= mean`"
        " overwrites the caller's",
        help_code="{first} = {first} - mean  # not {first} -= mean",
    ),
    forms={
        "buffers": Text(
            title="{entry} modifies its {arguments} {names} in place",
            notes=(
                "after the call the caller's {names} no longer {hold} the values passed in;"
                " this kata returns the new running statistics as new arrays and leaves the"
                " caller's buffers alone ({cases})",
            ),
            help="compute the new running statistics into new arrays and return them",
            help_code="new_mean = (1 - {momentum}) * {running_mean} + {momentum} * mean",
        )
    },
    source=(
        r"\b{first}\s*(-=|\+=|\*=|/=)",
        r"\b{first}\s*\[[^\]]*\]\s*(=|-=|\+=|\*=|/=)(?!=)",
        r"out\s*=\s*{first}\b",
    ),
    detect=_mutated,
)

UNRECOGNISED = Entry(
    id="unrecognised",
    category="advice",
    yields_to=frozenset({"execution", "interface", "structure", "statistics", "affine",
                         "output"}),
    text=Text(
        title="no known mistake matches your output",
        notes=(
            "your output differs from the reference on {count} ({cases}), and none of the"
            " mistakes this grader knows reproduces it",
        ),
        help="compute the mean, the variance, x_hat and the output one at a time on the"
        " smallest failing input below, and compare each with the formula in the statement",
    ),
    forms={
        "stages": Text(
            title="no known mistake matches your output",
            notes=(
                "checked one stage at a time {where}: {stages}",
                "your output differs from the reference on {count} ({cases}), and no"
                " combination of the mistakes this grader knows reproduces it",
            ),
            help="print that stage's values on the smallest failing input below and compare"
            " them with the formula in the statement",
        )
    },
    detect=_unrecognised,
)

ENTRIES = [RETURNED_STD, RETURNED_VAR_PLUS_EPS, OUTPUT_STATISTICS, WRONG_RETURN_ORDER,
           NON_FINITE_OUTPUT, MUTATED_INPUT]
LAST = [UNRECOGNISED]
