"""The instructor check: does a kata's spec hold together, and do its cases
catch the mistakes the catalogue knows?

1. the reference runs on every case and returns finite outputs of the
   declared count;
2. the values written in the YAML (``expected``) agree with the reference
   (judged in `normkatas.grading.written`, like grading judges answers);
3. every catalogue mistake with a mutant (a formula variant, another axis
   set, the transposed output) is separated from the reference by at least
   one case beyond its tolerance;
4. a probe case exists and every axis of its input has at least 2 elements.

The result is data (`normkatas.report.check.CheckReport`); `grade check` renders it.
Mutants are the project's own formulas and run in-process.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from normkatas.diagnose import facts as F
from normkatas.diagnose.catalogue import CATALOGUE
from normkatas.diagnose.context import close
from normkatas.diagnose.entry import Entry
from normkatas.diagnose.families import Family, family_for, role
from normkatas.diagnose.fit import Candidate, all_stages_for, outputs_of
from normkatas.diagnose.layout import Grouping, Layout, expected_grouping
from normkatas.report.check import (
    CheckReport,
    ProbeProblem,
    ReferenceProblem,
    UncaughtMistake,
)
from normkatas.spec.inputs import MaterializedCase
from normkatas.spec.model import Kata, Tolerance

LAYOUT_MUTANT = "wrong-layout"


Reference = Callable[..., Sequence[np.ndarray]]


Locate = Callable[[tuple[str | int, ...]], int | None]


def _no_line(path: tuple[str | int, ...]) -> int | None:
    return None


def reference_outputs(
    kata: Kata, reference: Reference, cases: Sequence[MaterializedCase], locate: Locate = _no_line
) -> tuple[dict[str, list[np.ndarray]], list[ReferenceProblem]]:
    """(1) The reference's outputs by case name, and the cases where it misbehaves."""
    outputs: dict[str, list[np.ndarray]] = {}
    problems = []
    for i, case in enumerate(cases):
        line = locate(("cases", _case_index(kata, case, i)))
        try:
            with np.errstate(all="ignore"):
                got = [np.asarray(a) for a in reference(**case.kwargs)]
        except Exception as exc:
            problems.append(ReferenceProblem(case=case.name, line=line,
                                             message=f"{type(exc).__name__}: {exc}"))
            continue
        if len(got) != len(kata.returns):
            problems.append(ReferenceProblem(
                case=case.name, line=line,
                message=f"returned {len(got)} outputs; the kata declares {len(kata.returns)}",
            ))
            continue
        bad = [o.name for o, a in zip(kata.returns, got, strict=False)
               if a.dtype.kind not in "biuf" or not np.all(np.isfinite(a))]
        if bad:
            problems.append(ReferenceProblem(
                case=case.name, line=line,
                message=f"non-finite or non-numeric output {', '.join(bad)}"))
            continue
        outputs[case.name] = got
    return outputs, problems


def check_kata(
    kata: Kata, reference: Reference, cases: Sequence[MaterializedCase],
    locate: Locate = _no_line, file: str | None = None,
) -> CheckReport:
    """Steps (1), (3) and (4); the written values (2) are judged by
    `normkatas.grading.instructor`, which grades them like answers."""
    outputs, problems = reference_outputs(kata, reference, cases, locate)
    formula_problems, caught, uncaught = _mutants(kata, cases, outputs, locate)
    return CheckReport(
        kata=kata.id,
        file=file,
        reference_problems=problems,
        uncaught=uncaught,
        uncaught_line=locate(("cases",)) if uncaught else None,
        caught=caught,
        probe=_probe(kata, cases, locate),
        formula_problems=formula_problems,
        diagnosis=kata.structure is not None,
    )


def _case_index(kata: Kata, case: MaterializedCase, fallback: int) -> int:
    for i, c in enumerate(kata.cases):
        if c is case.spec or c.name == case.name:
            return i
    return fallback


# -- (3) mutants ------------------------------------------------------------------------


def _tolerance(kata: Kata, case: MaterializedCase) -> Tolerance:
    return case.spec.tolerance or kata.tolerance


def _separates(mutant: list[np.ndarray] | None, ref: list[np.ndarray], tol: Tolerance) -> bool:
    """A mutant that cannot run, or returns other shapes or values, is caught."""
    if mutant is None:
        return True
    return not close([np.asarray(a, np.float64) for a in mutant],
                     [np.asarray(a, np.float64) for a in ref], tol)


def mistake_outputs(
    kata: Kata, kwargs: dict[str, Any]
) -> list[tuple[str, str, list[np.ndarray]]]:
    """(id, headline, outputs) of every catalogue mistake simulated on one call: the
    diagnosis in reverse, for values written in a kata file."""
    family = family_for(kata)
    expected = expected_grouping(kata)
    if family is None or expected is None or kata.structure is None:
        return []
    layout = Layout(kata.structure.layout)
    by_name = {name: r for r, name in kata.structure.outputs.items()}
    roles = [by_name.get(o.name) for o in kata.returns]
    stages = all_stages_for(kata, family, roles)
    default = tuple((s, v[0]) for s, v in stages.items())
    cache: dict[Any, Any] = {}
    base = F.base(kata, CATALOGUE)
    out = []
    for entry in CATALOGUE:
        if not entry.applies_to(kata) or entry.id == LAYOUT_MUTANT:
            continue
        for mutant in _entry_mutants(entry, family, stages, default, layout, expected)[:1]:
            try:
                got = outputs_of(kata, family, roles, kwargs, mutant.variant, mutant.grouping,
                                 cache)
            except Exception:  # a variant that cannot run reproduces nothing
                got = None
            if got is not None:
                out.append((entry.id, _generic(F.fill_known(entry.text.title, base)),
                            [np.asarray(a, np.float64) for a in got]))
    return out


def _separates_case(
    kata: Kata, case: MaterializedCase, got: list[np.ndarray] | None,
    ref: list[np.ndarray], tol: Tolerance,
) -> bool:
    """`_separates`, through the case's views when it compares views (a mutant is
    caught only by what grading compares)."""
    views = case.spec.compare
    if not views or got is None:
        return _separates(got, ref, tol)
    from normkatas.spec.views import ViewError, apply_view, target

    names = [o.name for o in kata.returns]
    layout = kata.structure.layout if kata.structure is not None else None
    if len(got) != len(ref):
        return True
    for view in views:
        slot = names.index(view.output)
        mine, theirs = np.asarray(got[slot], np.float64), np.asarray(ref[slot], np.float64)
        if mine.shape != theirs.shape:
            return True
        try:
            wanted = target(view, apply_view(view, theirs, layout), case.kwargs)
            seen = apply_view(view, mine, layout)
        except ViewError:
            return True
        if not close([seen], [wanted], view.tolerance or tol):
            return True
    return False


def _mutants(
    kata: Kata, cases: Sequence[MaterializedCase], outputs: dict[str, list[np.ndarray]],
    locate: Locate = _no_line,
) -> tuple[list[ReferenceProblem], list[str], list[UncaughtMistake]]:
    family = family_for(kata)
    expected = expected_grouping(kata)
    if family is None or expected is None or kata.structure is None:
        return [], [], []
    layout = Layout(kata.structure.layout)
    by_name = {name: r for r, name in kata.structure.outputs.items()}
    roles = [by_name.get(o.name) for o in kata.returns]
    stages = all_stages_for(kata, family, roles)
    default = tuple((s, v[0]) for s, v in stages.items())
    graded = [c for c in cases if c.name in outputs and not c.spec.performance]
    caches: dict[str, dict[Any, Any]] = {c.name: {} for c in graded}

    def run(candidate: Candidate, case: MaterializedCase) -> list[np.ndarray] | None:
        return outputs_of(kata, family, roles, case.kwargs, candidate.variant,
                          candidate.grouping, caches[case.name])

    right = Candidate(default, expected, ())
    formula_problems = []
    for case in graded:
        if _separates(run(right, case), outputs[case.name], _tolerance(kata, case)):
            formula_problems.append(ReferenceProblem(
                case=case.name, line=locate(("cases", _case_index(kata, case, 0))),
                message=f"the {family.name} formula with the declared structure disagrees"
                " with the reference: mutants are not checked",
            ))
    if formula_problems:
        return formula_problems, [], []
    caught, uncaught = [], []
    base = F.base(kata, CATALOGUE)
    for entry in CATALOGUE:
        if not entry.applies_to(kata):
            continue
        mutants: list[Candidate | None] = list(
            _entry_mutants(entry, family, stages, default, layout, expected)
        )
        if entry.id == LAYOUT_MUTANT:
            mutants = [None] if layout.ndim > 1 else []
        if not mutants:
            continue
        def separated(mutant: Candidate | None) -> bool:
            for case in graded:
                ref, tol = outputs[case.name], _tolerance(kata, case)
                got = _transposed(ref) if mutant is None else run(mutant, case)
                if _separates_case(kata, case, got, ref, tol):
                    return True
            return False

        # every form of the mistake must be caught by some case
        if all(separated(m) for m in mutants):
            caught.append(entry.id)
        else:
            facts = dict(base)
            if entry.id == LAYOUT_MUTANT:
                facts.update(_layout_facts(kata, layout))
            grouping = entry.axes(layout) if entry.axes is not None else None
            if grouping is not None and grouping.axes and not grouping.grouped:
                facts.update(F.axes(kata, grouping, graded[0].kwargs if graded else {}))
            uncaught.append(
                UncaughtMistake(id=entry.id, title=_generic(F.fill_known(entry.text.title, facts)))
            )
    return [], caught, uncaught


def _entry_mutants(
    entry: Entry, family: Family, stages: dict[str, tuple[str, ...]],
    default: tuple[tuple[str, str], ...], layout: Layout, expected: Grouping,
) -> list[Candidate]:
    out = []
    if entry.variant is not None:
        for stage, values in stages.items():
            for value in values[1:]:
                if not entry.variant.claims(stage, value, values[0]):
                    continue
                assignment = tuple((s, value if s == stage else v) for s, v in default)
                if family.valid(dict(assignment)):
                    out.append(Candidate(assignment, expected, ((stage, value),)))
    if entry.axes is not None:
        grouping = entry.axes(layout)
        concrete = grouping is not None and grouping.axes and not grouping.grouped
        if concrete and grouping is not None and (
            grouping.axes != expected.axes or expected.grouped
        ):
            out.append(Candidate(default, grouping, ()))
    return out


_PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*)\}")


def _generic(title: str) -> str:
    """A headline with the wording that needs a submission replaced by a generic phrase
    (``{names}`` -> ``names``): the instructor reads the mistake, not a template."""
    return _PLACEHOLDER.sub(lambda m: m.group(1).replace("_", " "), title)


def _layout_facts(kata: Kata, layout: Layout) -> dict[str, str]:
    """What the layout mutant simulates: the channel-like axis moved last."""
    letters = kata.structure.layout if kata.structure is not None else ""
    moved = letters[:1] + letters[2:] + letters[1:2] if len(letters) > 2 else letters[::-1]
    return {"yours_layout": moved, "right_layout": letters,
            "output": kata.returns[0].name if kata.returns else "output"}


def _transposed(ref: list[np.ndarray]) -> list[np.ndarray]:
    """The outputs with the channel-like axis moved last (NCHW -> NHWC), else reversed."""
    out = []
    for a in ref:
        if a.ndim > 2:
            out.append(np.moveaxis(a, 1, -1))
        else:
            out.append(a.T)
    return out


# -- (4) the probe case -----------------------------------------------------------------


def _probe(
    kata: Kata, cases: Sequence[MaterializedCase], locate: Locate = _no_line
) -> ProbeProblem | None:
    if kata.structure is None:
        return None
    name = role(kata, "input")
    flagged = [c for c in cases if c.spec.probe]
    if not flagged:
        return ProbeProblem(
            line=locate(("cases",)),
            message="no case has `probe: true`; the diagnosis needs a visible"
            " base input with every axis of size 2 or more")
    case = flagged[0]
    line = locate(("cases", _case_index(kata, case, 0)))
    if case.spec.hidden:
        return ProbeProblem(
            case=case.name, line=line,
            message="the probe case is hidden; probes run in the visible job, so it must be"
            " visible")
    x = case.kwargs.get(name) if name else None
    shape = np.shape(x) if x is not None else ()
    if len(shape) != len(kata.structure.layout) or min(shape, default=0) < 2:
        return ProbeProblem(
            case=case.name, line=line,
            message=f"the probe input has shape {list(shape)}; every axis needs at least 2"
            " elements")
    return None
