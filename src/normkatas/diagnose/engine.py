"""The engine: runs the catalogue over one failing run.

1. detectors (execution, interface, outputs) read the run;
2. structure: perturbation probes tell who shares statistics;
3. formula: the simplest variant of the kata's family that reproduces the
   student everywhere, each deviation named by the entry claiming it
   (`normkatas.diagnose.formula`);
4. evidence and counterexample from visible calls; text from the entry
   (`normkatas.diagnose.write`).

It never raises: an entry that fails is skipped.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from normkatas.diagnose import facts as F
from normkatas.diagnose import formula as formula_step
from normkatas.diagnose.catalogue import CATALOGUE
from normkatas.diagnose.context import Context, DiagnosisInput, build, warm_memo
from normkatas.diagnose.entry import Finding
from normkatas.diagnose.formula import Formula
from normkatas.diagnose.write import write
from normkatas.report.result import Diagnosis
from normkatas.sandbox.types import Call
from normkatas.spec.inputs import MaterializedCase
from normkatas.spec.model import Kata

CATEGORIES = ("execution", "interface", "structure", "statistics", "affine", "output", "advice")


def warm_up(
    kata: Kata,
    cases: Sequence[MaterializedCase],
    probes: Sequence[Call],
    reference: Callable[..., list[np.ndarray]],
    memo: dict[str, Any],
) -> None:
    """What a first diagnosis would pay for, paid now (while the student's code runs):
    this module imported, and ``memo`` filled as `warm_memo` does.  Never raises."""
    with contextlib.suppress(Exception):
        warm_memo(kata, cases, probes, reference, memo)


def diagnose(inp: DiagnosisInput) -> list[Diagnosis]:
    """Named mistakes with evidence and one fix each; [] when nothing is known."""
    try:
        if inp.results and all(r.status == "passed" and not r.mutated for r in inp.results):
            return []
        return _diagnose(build(inp))
    except Exception:  # a bug here must never cost the student their report
        return []


def _diagnose(ctx: Context) -> list[Diagnosis]:
    inp = ctx.inp
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
            formula, found = formula_step.find(ctx, entries)
            findings += found
        except Exception:
            formula = None
    base = F.base(ctx.kata, entries, inp.submission_name)
    out = []
    seen: set[str] = set()
    for finding in _resolve(findings):
        try:
            diagnosis = write(ctx, finding, base, formula)
        except Exception:
            continue
        if diagnosis.counterexample is not None:
            if diagnosis.counterexample.call in seen:
                diagnosis.counterexample = None
            else:
                seen.add(diagnosis.counterexample.call)
        out.append(diagnosis)
    return out


# -- resolving ------------------------------------------------------------------------


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
        if m.deviation is None and f.deviation is not None:  # the formula knows more
            m.deviation, m.grouping, m.confidence = f.deviation, f.grouping, f.confidence
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
    superseded = {i for f in kept for i in f.entry.supersedes}
    kept = [f for f in kept if f.entry.id not in superseded]
    result = [f for f in kept if not f.entry.yields_to]
    for f in kept:
        if f.entry.yields_to and not any(g.entry.category in f.entry.yields_to for g in result):
            result.append(f)
    order = {e.id: i for i, e in enumerate(CATALOGUE)}
    result.sort(key=lambda f: (CATEGORIES.index(f.entry.category), order[f.entry.id]))
    return result


