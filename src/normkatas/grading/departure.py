"""The diagnosis of a sequence case, reduced to one call.

Every step before the first one that departs agreed with the reference within
tolerance, so that step ran on (within tolerance) the reference's inputs: it
is one call of the kata's function like any case, and the single-call
diagnosis can read it.  Here it joins the diagnosis's input as a case of its
own, named after the sequence case and the call, with the reference's
arguments, the student's outputs and the reference's outputs at that call.
A kata whose function takes a dict is diagnosed through its flat view
(`normkatas.grading.flatview`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import msgspec
import numpy as np

from normkatas.grading.callview import CallView, call_view
from normkatas.grading.flatview import (
    flat_kata,
    flat_kwargs,
    flat_reference,
    flat_results,
    has_flat_view,
)
from normkatas.grading.sequence import PreparedSequence, student_results
from normkatas.report.result import CaseResult, Diagnosis
from normkatas.sandbox.types import ArrayValue, CallOutcome, SequenceValue
from normkatas.spec.inputs import MaterializedCase
from normkatas.spec.model import Kata

if TYPE_CHECKING:
    from normkatas.diagnose.context import DiagnosisInput
    from normkatas.grading.prepared import PreparedKata

FLAT_MEMO = "flat-view"
"""The diagnosis memo of a kata's flat view, inside the kata's own."""
VIEW_MEMO = "call-view"
"""The prefix of the diagnosis memo of another function's call view."""


def step_case_name(case: str, step: int) -> str:
    """The name the diagnosis gives call ``step`` (counted from 0) of a sequence case."""
    return f"{case} (call {step + 1})"


@dataclasses.dataclass(frozen=True)
class _Departing:
    """One departing call, ready to be a case of the diagnosis."""

    case: MaterializedCase
    call: CallOutcome
    reference: list[np.ndarray]
    result: CaseResult
    view: CallView | None = None
    """A call of another function of the kata: the kata the diagnosis reads it as."""


def _view(
    kata: Kata, seq: PreparedSequence, index: int, mine: Mapping[str, ArrayValue]
) -> tuple[Mapping[str, Any], list[ArrayValue], list[np.ndarray]] | None:
    """The call's arguments, the student's outputs and the reference's, as the
    diagnosis's kata has them (plain, or the flat view)."""
    if has_flat_view(kata):
        kwargs = flat_kwargs(kata, seq.inputs[index])
        yours = flat_results(kata, mine)
        ref = flat_results(kata, seq.results[index])
        if kwargs is None or yours is None or ref is None:
            return None
        return kwargs, yours, [np.asarray(r) for r in ref]
    returned = seq.returned[index]
    names = [o.name for o in kata.returns]
    if returned is None or any(n not in mine for n in names):
        return None
    return seq.inputs[index], [mine[n] for n in names], list(returned)


def _departing(
    prepared: PreparedKata, seq: PreparedSequence, result: CaseResult,
    known: Mapping[str, CallOutcome],
) -> _Departing | None:
    kata = prepared.kata
    if result.departure is None or not result.departure.outputs or seq.case.spec.hidden:
        return None
    index = result.departure.step - 1
    step = seq.case.steps[index]
    call = known.get(seq.calls[index].key)
    mine = student_results(call.value, step.function) if call is not None else None
    if step.function.name != kata.entry:
        return _other_function(kata, seq, index, result, call, mine)
    plain = all(p.kind != "dict" for p in step.function.params)
    if kata.structure is None or not (plain or has_flat_view(kata)):
        return None
    view = _view(kata, seq, index, mine) if mine is not None else None
    if call is None or view is None:
        return None
    kwargs, yours, reference = view
    name = step_case_name(seq.name, index)
    value = yours[0] if len(yours) == 1 else SequenceValue("tuple", tuple(yours))
    spec = msgspec.structs.replace(seq.case.spec, name=name, steps=None, args={})
    return _Departing(MaterializedCase(spec, kwargs), dataclasses.replace(
        call, key=name, value=value), reference, _verdict(seq, index, result, name))


def _verdict(seq: PreparedSequence, index: int, result: CaseResult, name: str) -> CaseResult:
    return msgspec.structs.replace(result, name=name, departure=None, error=None,
                                   mismatches=[m for m in result.mismatches
                                               if m.step in (index + 1, None)])


def _other_function(
    kata: Kata, seq: PreparedSequence, index: int, result: CaseResult,
    call: CallOutcome | None, mine: Mapping[str, ArrayValue] | None,
) -> _Departing | None:
    """A departing call of another function (a backward pass), through its call view."""
    view = call_view(kata, seq, index)
    if view is None or call is None or mine is None:
        return None
    names = [o.name for o in view.kata.returns]
    if any(n not in mine or n not in seq.results[index] for n in names):
        return None
    yours = [mine[n] for n in names]
    name = step_case_name(seq.name, index)
    value = yours[0] if len(yours) == 1 else SequenceValue("tuple", tuple(yours))
    spec = msgspec.structs.replace(seq.case.spec, name=name, steps=None, args={})
    return _Departing(
        MaterializedCase(spec, view.kwargs), dataclasses.replace(call, key=name, value=value),
        [np.asarray(seq.results[index][n]) for n in names], _verdict(seq, index, result, name),
        view,
    )


def with_departures(
    inp: DiagnosisInput, prepared: PreparedKata, results: Sequence[CaseResult]
) -> list[DiagnosisInput]:
    """What the diagnosis reads: ``inp`` with the departing call of every failing visible
    sequence case that the single-call diagnosis can read, and one more input for each
    other function (a backward pass) whose calls depart, as the kata its view makes."""
    by_name = {r.name: r for r in results}
    known = {c.key: c for c in inp.outcome.calls}
    departing = [
        d for seq in prepared.sequences if seq.name in by_name
        for d in [_departing(prepared, seq, by_name[seq.name], known)] if d is not None
    ]
    found = [d for d in departing if d.view is None]
    by_function: dict[str, list[_Departing]] = {}
    for d in departing:
        if d.view is not None:
            by_function.setdefault(d.view.kata.entry, []).append(d)
    others = [_view_input(inp, prepared, group) for group in by_function.values()]
    return [_entry_input(inp, prepared, found), *others]


def _view_input(
    inp: DiagnosisInput, prepared: PreparedKata, group: list[_Departing]
) -> DiagnosisInput:
    """The departing calls of one other function, as cases of its view's kata (one
    input: one diagnosis per root cause, seen in each of them)."""
    view = group[0].view
    assert view is not None
    memo = prepared.diagnosis_memo.setdefault(f"{VIEW_MEMO}:{view.kata.entry}", {})
    return dataclasses.replace(
        inp, kata=view.kata, cases=[d.case for d in group], results=[d.result for d in group],
        outcome=dataclasses.replace(inp.outcome, calls=tuple(d.call for d in group)),
        reference=view.reference,  # (used for probes only, and a view plans none)
        reference_outputs={d.case.name: d.reference for d in group}, probes=(), memo=memo,
    )


def diagnose_sequences(
    inp: DiagnosisInput, prepared: PreparedKata, results: Sequence[CaseResult],
    diagnose: Callable[[DiagnosisInput], Iterable[Diagnosis]],
) -> list[Diagnosis]:
    """Every diagnosis of a kata with sequence cases: its own cases and the departing
    calls (`with_departures`).  A diagnosis read through a view (the flat view, another
    function's call view) has no smallest input: it would be written as a call of the
    view, not of the student's function."""
    found: list[Diagnosis] = []
    for each in with_departures(inp, prepared, results):
        viewed = each.kata is not prepared.kata
        for d in diagnose(each):
            found.append(msgspec.structs.replace(d, counterexample=None) if viewed else d)
    return found


def _entry_input(
    inp: DiagnosisInput, prepared: PreparedKata, found: list[_Departing]
) -> DiagnosisInput:
    if not found:
        return inp
    kata = prepared.kata
    cases = [d.case for d in found]
    verdicts = [d.result for d in found]
    calls = [d.call for d in found]
    outputs = {d.case.name: d.reference for d in found}
    if has_flat_view(kata):  # the flat view is another kata: only the departing calls
        memo = prepared.diagnosis_memo.setdefault(FLAT_MEMO, {})
        return dataclasses.replace(
            inp, kata=flat_kata(kata), cases=cases, results=verdicts,
            outcome=dataclasses.replace(inp.outcome, calls=tuple(calls)),
            reference=flat_reference(kata, prepared.reference.function),
            reference_outputs=outputs, probes=(), memo=memo,
        )
    outcome = dataclasses.replace(inp.outcome, calls=(*inp.outcome.calls, *calls))
    return dataclasses.replace(
        inp, cases=[*inp.cases, *cases], results=[*inp.results, *verdicts], outcome=outcome,
        reference_outputs={**inp.reference_outputs, **outputs},
    )


__all__ = ["diagnose_sequences", "step_case_name", "with_departures"]
