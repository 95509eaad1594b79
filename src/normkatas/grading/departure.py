"""The diagnosis of a sequence case, reduced to one call.

Every step before the first one that departs agreed with the reference within
tolerance, so that step ran on (within tolerance) the reference's inputs: it
is one call of the kata's function like any case, and the single-call
diagnosis can read it.  Here it joins the diagnosis's input as a case of its
own, named after the sequence case and the step, with the reference's
arguments, the student's outputs and the reference's outputs at that step.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

import msgspec

from normkatas.grading.sequence import PreparedSequence, step_mismatches, student_results
from normkatas.report.result import CaseResult
from normkatas.sandbox.types import SequenceValue
from normkatas.spec.inputs import MaterializedCase

if TYPE_CHECKING:
    from normkatas.diagnose.context import DiagnosisInput
    from normkatas.grading.prepared import PreparedKata


def step_case_name(case: str, step: int) -> str:
    """The name the diagnosis gives step ``step`` (counted from 0) of a sequence case."""
    return f"{case}, step {step + 1}"


def _diagnosable(prepared: PreparedKata, seq: PreparedSequence, index: int) -> bool:
    """A call of the kata's own function, with plain parameters and outputs only."""
    kata = prepared.kata
    step = seq.case.steps[index]
    return (
        kata.structure is not None
        and step.function.name == kata.entry
        and seq.returned[index] is not None
        and all(p.kind != "dict" for p in step.function.params)
    )


def with_departures(
    inp: DiagnosisInput, prepared: PreparedKata, results: Sequence[CaseResult]
) -> DiagnosisInput:
    """``inp`` with the departing call of every failing visible sequence case that
    the single-call diagnosis can read."""
    by_name = {r.name: r for r in results}
    cases = list(inp.cases)
    verdicts = list(inp.results)
    calls = list(inp.outcome.calls)
    outputs = dict(inp.reference_outputs)
    known = {c.key: c for c in inp.outcome.calls}
    for seq in prepared.sequences:
        result = by_name.get(seq.name)
        if result is None or result.departure is None or not result.departure.outputs:
            continue
        index = result.departure.step - 1
        if seq.case.spec.hidden or not _diagnosable(prepared, seq, index):
            continue
        step = seq.case.steps[index]
        call = known.get(seq.calls[index].key)
        mine = student_results(call.value, step.function) if call is not None else None
        returned = seq.returned[index]
        if call is None or mine is None or returned is None:
            continue
        name = step_case_name(seq.name, index)
        items = tuple(mine[o.name] for o in step.function.returns)
        value = items[0] if len(items) == 1 else SequenceValue("tuple", items)
        tol = seq.case.spec.tolerance or prepared.kata.tolerance
        spec = msgspec.structs.replace(seq.case.spec, name=name, steps=None, args={})
        cases.append(MaterializedCase(spec, seq.inputs[index]))
        calls.append(dataclasses.replace(call, key=name, value=value))
        outputs[name] = list(returned)
        reference = dict(zip((o.name for o in step.function.returns), returned, strict=True))
        verdicts.append(msgspec.structs.replace(
            result, name=name, departure=None, error=None,
            mismatches=step_mismatches(step, reference, mine, tol, hidden=False,
                                       names=list(reference)),
        ))
    if len(cases) == len(inp.cases):
        return inp
    outcome = dataclasses.replace(inp.outcome, calls=tuple(calls))
    return dataclasses.replace(
        inp, cases=cases, results=verdicts, outcome=outcome, reference_outputs=outputs
    )


__all__ = ["step_case_name", "with_departures"]
