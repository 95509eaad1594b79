"""Sequence cases in the grader: the reference runs the steps, the sandbox the
student's, and each checked step is compared result by result.

The whole sequence is one run of calls in one sandbox job: the worker keeps
what later calls read (`normkatas.sandbox.steps`), so an opaque value such as a
forward pass's ``cache`` never leaves it.  A step's results are its outputs
that are not opaque and its dict parameters as the call left them, named
``y`` or ``bn_param.running_var``; only numbers and arrays are compared.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from normkatas.grading.compare import compare_array
from normkatas.grading.reference import load_reference
from normkatas.grading.verdicts import error_info
from normkatas.report.result import CaseResult, Departure, ErrorInfo, Mismatch
from normkatas.sandbox.types import (
    ArrayValue,
    Call,
    CallOutcome,
    Carried,
    DictValue,
    SequenceValue,
    Step,
    Value,
    result_budget,
)
from normkatas.spec.inputs import MaterializedSequence, materialize_sequences
from normkatas.spec.model import Function, Kata, Tolerance
from normkatas.spec.sequence import SequenceStep

Results = dict[str, np.ndarray]
SEPARATOR = "\x1f"
"""Between a case's name and its step's number in a call key (no case name has it)."""


@dataclass(frozen=True)
class PreparedSequence:
    """A sequence case, with what the reference did at every step."""

    case: MaterializedSequence
    calls: tuple[Call, ...]
    inputs: tuple[Mapping[str, Any], ...]
    """The reference's arguments at each step, before the call (carried ones filled in)."""
    results: tuple[Results, ...]
    """The reference's results at each step, by name."""
    returned: tuple[tuple[np.ndarray, ...] | None, ...]
    """Its outputs at each step, in the function's order (None when one is opaque)."""
    references: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    """The reference of every function a step may call, by name."""

    @property
    def name(self) -> str:
        return self.case.name


def call_key(case: str, step: int) -> str:
    return f"{case}{SEPARATOR}{step}"


def reference_functions(
    kata: Kata, solutions_dirs: Sequence[Path], entry: Callable[..., Any]
) -> dict[str, Callable[..., Any]]:
    """The reference of every function a step may call."""
    out: dict[str, Callable[..., Any]] = {kata.entry: entry}
    for fn in kata.functions:
        module, _, name = fn.reference.partition(":")
        spec = msgspec.structs.replace(
            kata, reference=f"{module or kata.reference_module}:{name or fn.name}"
        )
        out[fn.name] = load_reference(spec, solutions_dirs).function
    return out


def _copy(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return copy.copy(value)


def returned_items(value: Any, fn: Function) -> list[Any]:
    """What a reference returned, as one item per output of ``fn`` (checked)."""
    n = len(fn.returns)
    items = [value] if n == 1 else list(value)
    if len(items) != n:
        raise ValueError(f"the reference of {fn.name} returned {len(items)} values, not {n}")
    return items


def _numeric(value: Any) -> np.ndarray | None:
    if isinstance(value, (str, bytes)) or value is None:
        return None
    try:
        array = np.array(value)
    except (TypeError, ValueError):
        return None
    return array if array.dtype.kind in "biuf" else None


def reference_results(fn: Function, outputs: Sequence[Any], kwargs: Mapping[str, Any]) -> Results:
    """A step's results: outputs that are not opaque, and its dicts' numeric entries."""
    out: Results = {}
    for spec, value in zip(fn.returns, outputs, strict=True):
        if spec.opaque:
            continue
        if isinstance(value, dict):  # a dict returned: its numeric entries, one by one
            out.update({f"{spec.name}.{k}": a for k, v in value.items()
                        if (a := _numeric(v)) is not None})
        else:  # (copies: a later call may update a dict's arrays in place)
            out[spec.name] = np.array(value)
    for p in fn.params:
        if p.kind == "dict" and isinstance(kwargs.get(p.name), dict):
            for key, value in kwargs[p.name].items():
                array = _numeric(value)
                if array is not None:
                    out[f"{p.name}.{key}"] = array
    return out


def _send(fn: Function) -> tuple[tuple[str, int | str], ...]:
    outs: list[tuple[str, int | str]] = [
        ("out", i) for i, o in enumerate(fn.returns) if not o.opaque
    ]
    return (*outs, *(("arg", p.name) for p in fn.params if p.kind == "dict"))


def prepare_sequence(
    case: MaterializedSequence, references: Mapping[str, Callable[..., Any]]
) -> PreparedSequence:
    """Run the reference through the steps; plan the sandbox's calls."""
    done: list[tuple[list[Any], dict[str, Any]]] = []
    inputs, results, returned, calls = [], [], [], []
    for step in case.steps:
        fn = step.function
        kwargs = {k: _copy(v) for k, v in step.kwargs.items()}
        for name, source in step.carry.items():
            outs, args = done[source.step]
            value = args[source.name] if source.kind == "arg" else outs[source.index]
            if isinstance(kwargs.get(name), dict) and isinstance(value, dict):
                value.update(kwargs[name])  # the entries the step writes into it
            kwargs[name] = value
        inputs.append({k: _copy(v) for k, v in kwargs.items()})
        outs = returned_items(references[fn.name](**kwargs), fn)
        done.append((outs, kwargs))
        mine = reference_results(fn, outs, kwargs)
        results.append(mine)
        opaque = any(o.opaque for o in fn.returns)
        returned.append(None if opaque else tuple(np.array(o) for o in outs))
        calls.append(_call(case, step, mine))
    return PreparedSequence(case, tuple(calls), tuple(inputs), tuple(results), tuple(returned),
                            references)


def _call(case: MaterializedSequence, step: SequenceStep, results: Results) -> Call:
    fn = step.function
    carry = {
        name: Carried(call_key(case.name, s.step), s.kind, s.name, s.index)
        for name, s in step.carry.items()
    }
    keys = frozenset(k.partition(".")[2] for k in results if "." in k)
    budget = result_budget(*results.values(), *step.kwargs.values())
    return Call(
        call_key(case.name, step.index), step.kwargs, max_result_bytes=budget,
        step=Step(fn.name, len(fn.returns), _send(fn), carry, keys),
    )


# -- the student's results ----------------------------------------------------------------


def student_results(value: Value | None, fn: Function) -> dict[str, ArrayValue] | None:
    """What a step of the student's sent back, by result name; None when it is not
    the function's outputs."""
    send = _send(fn)
    if not isinstance(value, SequenceValue) or len(value.items) != len(send):
        return None
    out: dict[str, ArrayValue] = {}
    for (kind, what), item in zip(send, value.items, strict=True):
        if kind == "out" and isinstance(item, DictValue):
            name = fn.returns[int(what)].name
            out.update({f"{name}.{k}": v for k, v in item.items if isinstance(v, ArrayValue)})
        elif kind == "out":
            if not isinstance(item, ArrayValue):
                return None
            out[fn.returns[int(what)].name] = item
        elif isinstance(item, DictValue):
            for key, entry in item.items:
                if isinstance(entry, ArrayValue):
                    out[f"{what}.{key}"] = entry
    return out


def _wanted(step: SequenceStep, reference: Results) -> list[str]:
    if step.outputs is None:
        return list(reference)
    return [n for n in reference
            if n in step.outputs or n.partition(".")[0] in step.outputs]


def step_mismatches(
    step: SequenceStep, reference: Results, mine: dict[str, ArrayValue], tol: Tolerance,
    *, hidden: bool, names: Sequence[str] | None = None,
) -> list[Mismatch]:
    """The step's results that differ from the reference's (a missing one differs)."""
    out = []
    for name in names if names is not None else _wanted(step, reference):
        ref = reference[name]
        got = mine.get(name)
        if got is None or got.array is None:
            shape = list(got.shape) if got is not None else None
            out.append(Mismatch(
                output=name, mismatched=int(ref.size), total=int(ref.size), max_abs_diff=0.0,
                max_rel_diff=0.0, rtol=tol.rtol, atol=tol.atol, shape_yours=shape,
                shape_reference=list(ref.shape),
                dtype_yours=got.dtype if got is not None else "missing",
                step=step.index + 1,
            ))
            continue
        m = compare_array(got.array, ref, name, tol, hidden=hidden)
        if m.mismatched:
            out.append(msgspec.structs.replace(m, step=step.index + 1))
    return out


def view_mismatches(
    step: SequenceStep, reference: Results, mine: dict[str, ArrayValue],
    kwargs: Mapping[str, Any], kata: Kata, tol: Tolerance, *, hidden: bool,
) -> list[Mismatch]:
    """A step's views (``compare:``), each of the student's result against the same
    view of the reference's, or the value a property requires."""
    from normkatas.grading.views import views_verdict
    from normkatas.spec.views import layout_of

    names = sorted({v.output for v in step.views})
    missing = [n for n in names if n not in reference or mine.get(n) is None
               or mine[n].array is None]
    if missing:
        return step_mismatches(step, reference, mine, tol, hidden=hidden, names=[
            n for n in missing if n in reference])
    yours = [np.asarray(mine[n].array) for n in names]
    verdict = views_verdict(yours, [reference[n] for n in names], names, step.views, kwargs,
                            layout_of(kata), tol, hidden=hidden)
    return [msgspec.structs.replace(m, step=step.index + 1) for m in verdict.mismatches]


def first_departure(
    seq: PreparedSequence, calls: Mapping[str, CallOutcome], tol: Tolerance
) -> tuple[int, list[str]] | None:
    """The first step whose call failed (no names) or whose results differ (their names)."""
    for step, reference in zip(seq.case.steps, seq.results, strict=True):
        call = calls.get(seq.calls[step.index].key)
        if call is None or call.status != "ok":
            return step.index, []
        mine = student_results(call.value, step.function)
        if mine is None:
            return step.index, []
        differ = step_mismatches(step, reference, mine, tol, hidden=True, names=list(reference))
        if differ:
            return step.index, [m.output for m in differ]
    return None


def _summary(seq: PreparedSequence) -> dict[str, str]:
    runs: list[list[Any]] = []
    for step in seq.case.steps:
        if runs and runs[-1][0] == step.function.name:
            runs[-1][1] += 1
        else:
            runs.append([step.function.name, 1])
    text = ", then ".join(name if n == 1 else f"{name} x {n}" for name, n in runs)
    return {"calls": text}


def sequence_result(
    seq: PreparedSequence,
    kata: Kata,
    calls: Mapping[str, CallOutcome],
    files: dict[str, str],
    not_run: str,
) -> CaseResult:
    """The verdict on one sequence case: every checked step within tolerance."""
    spec = seq.case.spec
    tol = spec.tolerance or kata.tolerance
    steps = seq.case.steps
    base = CaseResult(
        name=seq.name, status="error", points=0.0, max_points=spec.points, hidden=spec.hidden,
        example=spec.example, note="" if spec.hidden else spec.note,
        inputs={} if spec.hidden else _summary(seq),
    )
    departed = first_departure(seq, calls, tol)
    departure = None
    if departed is not None and not spec.hidden:
        index, names = departed
        departure = Departure(step=index + 1, steps=len(steps),
                              function=steps[index].function.name, outputs=names)
    mismatches: list[Mismatch] = []
    mutated: list[str] = []
    for step, reference in zip(steps, seq.results, strict=True):
        call = calls.get(seq.calls[step.index].key)
        if call is None or call.status == "not-run":
            error = ErrorInfo(kind=not_run)  # type: ignore[arg-type]
            return msgspec.structs.replace(base, error=error, departure=departure)
        if call.status != "ok":
            return msgspec.structs.replace(
                base, error=error_info(call.status, call.exception, files), departure=departure
            )
        if not kata.allow_mutation:
            mutated += [m for m in call.mutated if m not in mutated]
        if not step.checked:
            continue
        mine = student_results(call.value, step.function)
        if mine is None:
            error = ErrorInfo(kind="invalid-output", type="wrong-return-type")
            return msgspec.structs.replace(base, status="failed", error=error,
                                           departure=departure)
        if step.views:
            mismatches += view_mismatches(step, reference, mine, seq.inputs[step.index], kata,
                                          tol, hidden=spec.hidden)
        else:
            mismatches += step_mismatches(step, reference, mine, tol, hidden=spec.hidden)
    passed = not mismatches and not mutated
    if len(steps) == 1:  # one call: no call numbers to tell apart
        mismatches = [msgspec.structs.replace(m, step=None) for m in mismatches]
    return msgspec.structs.replace(
        base, status="passed" if passed else "failed", points=spec.points if passed else 0.0,
        mismatches=[] if spec.hidden else mismatches, mutated=mutated,
        departure=None if passed else departure,
    )


def prepare_sequences(
    kata: Kata, solutions_dirs: Sequence[Path], entry: Callable[..., Any]
) -> list[PreparedSequence]:
    """Every sequence case of the kata, prepared (none: nothing is loaded)."""
    if not any(c.steps is not None for c in kata.cases):
        return []
    references = reference_functions(kata, solutions_dirs, entry)
    return [prepare_sequence(case, references) for case in materialize_sequences(kata)]


def in_kata_order(kata: Kata, results: Sequence[CaseResult]) -> list[CaseResult]:
    """Case results in the order the kata lists its cases."""
    order = {c.name: i for i, c in enumerate(kata.cases)}
    return sorted(results, key=lambda r: order.get(r.name, len(order)))
