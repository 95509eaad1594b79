"""Sequence cases in the grader: verdicts from outcomes, the first call that departs,
the flat view of a dict parameter, and the diagnosis reduced to that call.

Outcomes here are made by running a student's functions in-process the way the
worker does (state kept between calls, only the chosen results sent back); the
real sandbox runs them in tests/sandbox/test_steps.py and tests/e2e/.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from normkatas.diagnose.context import DiagnosisInput
from normkatas.grading.departure import diagnose_sequences, with_departures
from normkatas.grading.flatview import flat_kata, flat_kwargs, flat_name, flat_reference
from normkatas.grading.prepare import diagnosis_input, prepare
from normkatas.grading.prepared import PreparedKata
from normkatas.grading.reference import load_reference
from normkatas.grading.sequence import PreparedSequence, reference_functions, sequence_result
from normkatas.report.result import CaseResult
from normkatas.sandbox.types import (
    ArrayValue,
    CallOutcome,
    DictValue,
    NoneValue,
    OtherValue,
    RunOutcome,
    SequenceValue,
    Value,
)
from normkatas.spec.load import load_kata
from normkatas.spec.resources import data_dir

KATA = load_kata(data_dir("katas") / "batchnorm-layer.yaml")
SOLUTIONS = [data_dir("solutions")]


@pytest.fixture(scope="module")
def prepared() -> PreparedKata:
    return prepare(KATA, SOLUTIONS)


def _wire(value: Any) -> Value:
    if isinstance(value, dict):
        return DictValue(tuple((k, _wire(v)) for k, v in value.items()))
    if isinstance(value, tuple):
        return SequenceValue("tuple", tuple(_wire(v) for v in value))
    if isinstance(value, str) or value is None:
        return OtherValue("str") if value is not None else NoneValue()
    a = np.asarray(value)
    return ArrayValue(a, a.shape, a.dtype.str)


def _copy(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


def run_like_the_worker(
    seq: PreparedSequence, functions: Mapping[str, Callable[..., Any]]
) -> dict[str, CallOutcome]:
    kept: dict[int, tuple[Any, dict[str, Any]]] = {}
    calls = {}
    for step, call in zip(seq.case.steps, seq.calls, strict=True):
        kwargs = {k: _copy(v) for k, v in step.kwargs.items()}
        for name, source in step.carry.items():
            value, args = kept[source.step]
            got = args[source.name] if source.kind == "arg" else value[source.index]
            if isinstance(kwargs.get(name), dict):
                got.update(kwargs[name])
            kwargs[name] = got
        value = functions[step.function.name](**kwargs)
        kept[step.index] = (value, kwargs)
        assert call.step is not None
        items = tuple(value[i] if len(step.function.returns) > 1 else value
                      for kind, i in call.step.send if kind == "out")
        items += tuple(kwargs[str(n)] for kind, n in call.step.send if kind == "arg")
        calls[call.key] = CallOutcome(call.key, "ok", _wire(items))
    return calls


def _student(biased: bool = False, no_batch_terms: bool = False) -> dict[str, Callable[..., Any]]:
    references = reference_functions(KATA, SOLUTIONS, load_reference(KATA, SOLUTIONS).function)
    batchnorm_forward = references["batchnorm_forward"]
    batchnorm_backward = references["batchnorm_backward"]

    def forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray,
                bn_param: dict[str, Any]) -> Any:
        out, cache = batchnorm_forward(x, gamma, beta, bn_param)
        if biased and bn_param["mode"] == "train":
            m = bn_param.get("momentum", 0.1)
            n = x.shape[0]
            # undo the unbiased correction of the last update
            old = (bn_param["running_var"] - m * x.var(axis=0) * n / (n - 1)) / (1 - m)
            bn_param["running_var"] = (1 - m) * old + m * x.var(axis=0)
        return out, cache

    def backward(dout: np.ndarray, cache: Any) -> Any:
        dx, dgamma, dbeta = batchnorm_backward(dout, cache)
        if no_batch_terms:  # dx as if the batch mean and variance were constants
            dx = dout * cache["gamma"] * cache["inv_std"]
        return dx, dgamma, dbeta

    return {"batchnorm_forward": forward, "batchnorm_backward": backward}


def _seq(prepared: PreparedKata, name: str) -> PreparedSequence:
    return next(s for s in prepared.sequences if s.name == name)


def test_the_reference_itself_passes_every_sequence(prepared: PreparedKata) -> None:
    for seq in prepared.sequences:
        calls = run_like_the_worker(seq, _student())
        result = sequence_result(seq, KATA, calls, {}, "not-run")
        assert result.status == "passed", result
        assert result.departure is None


def test_a_departure_names_the_first_call_and_its_results(prepared: PreparedKata) -> None:
    seq = _seq(prepared, "fifty-training-steps-then-test")
    calls = run_like_the_worker(seq, _student(biased=True))
    result = sequence_result(seq, KATA, calls, {}, "not-run")
    assert result.status == "failed"
    assert result.departure is not None
    assert (result.departure.step, result.departure.steps) == (1, 51)
    assert result.departure.outputs == ["bn_param.running_var"]
    assert {m.output for m in result.mismatches} == {"out", "bn_param.running_var"}
    assert {m.step for m in result.mismatches} == {51}  # only the checked call is compared
    assert result.inputs == {"calls": "batchnorm_forward x 51"}


def test_a_failed_call_ends_the_case_with_its_error(prepared: PreparedKata) -> None:
    seq = _seq(prepared, "forward-then-backward")
    calls = run_like_the_worker(seq, _student())
    key = seq.calls[1].key
    calls[key] = CallOutcome(key, "not-run")
    result = sequence_result(seq, KATA, calls, {}, "not-run")
    assert result.status == "error" and result.error is not None
    assert result.error.kind == "not-run"


def test_a_hidden_sequence_keeps_its_details(prepared: PreparedKata) -> None:
    seq = _seq(prepared, "hidden-train-test-backward")
    calls = run_like_the_worker(seq, _student(biased=True))
    result = sequence_result(seq, KATA, calls, {}, "not-run")
    assert result.status == "failed"
    assert result.mismatches == [] and result.departure is None and result.inputs == {}


def test_the_flat_view_names_entries_as_the_student_writes_them() -> None:
    flat = flat_kata(KATA)
    assert [p.name for p in flat.params] == [
        "x", "gamma", "beta", 'bn_param["running_mean"]', 'bn_param["running_var"]',
        'bn_param["mode"]', 'bn_param["momentum"]', 'bn_param["eps"]']
    assert [o.name for o in flat.returns] == [
        "out", 'bn_param["running_mean"]', 'bn_param["running_var"]']
    assert flat_name("bn_param.mode") == 'bn_param["mode"]'
    kwargs = {"x": np.ones((2, 1)), "gamma": np.ones(1), "beta": np.zeros(1),
              "bn_param": {"mode": "test", "eps": 1e-5, "momentum": 0.1,
                           "running_mean": np.zeros(1), "running_var": np.ones(1)}}
    got = flat_kwargs(KATA, kwargs)
    assert got is not None and got['bn_param["mode"]'] is False
    del kwargs["bn_param"]["running_var"]  # type: ignore[attr-defined]
    assert flat_kwargs(KATA, kwargs) is None  # an entry a role reads is absent


def test_the_flat_reference_is_the_reference(prepared: PreparedKata) -> None:
    seq = _seq(prepared, "fifty-training-steps-then-test")
    inputs = seq.inputs[3]
    flat = flat_kwargs(KATA, inputs)
    assert flat is not None
    out, _, var = flat_reference(KATA, prepared.reference.function)(**flat)
    np.testing.assert_allclose(out, seq.results[3]["out"])
    np.testing.assert_allclose(var, seq.results[3]["bn_param.running_var"])


def _graded(
    prepared: PreparedKata, student: dict[str, Callable[..., Any]]
) -> tuple[DiagnosisInput, list[CaseResult]]:
    """Every sequence run as the worker runs it: the diagnosis's input and the verdicts."""
    results: list[CaseResult] = []
    calls: dict[str, CallOutcome] = {}
    for seq in prepared.sequences:
        mine = run_like_the_worker(seq, student)
        calls.update(mine)
        results.append(sequence_result(seq, KATA, mine, {}, "not-run"))
    outcome = RunOutcome("ok", tuple(calls.values()))
    return diagnosis_input(prepared, [], outcome, None, Path("s.py"), "s.py"), results


def test_the_departing_call_is_diagnosed_as_one_call(prepared: PreparedKata) -> None:
    from normkatas.diagnose import diagnose

    inp, results = _graded(prepared, _student(biased=True))
    [reduced] = with_departures(inp, prepared, results)  # the backward calls agree
    names = [c.name for c in reduced.cases]
    assert "fifty-training-steps-then-test (call 1)" in names
    assert "two-samples-large-eps (call 1)" in names
    assert reduced.probes == ()
    [diagnosis] = diagnose(reduced)
    assert diagnosis.id == "biased-running-variance"


def test_a_step_view_is_a_property_of_the_students_results(prepared: PreparedKata) -> None:
    seq = _seq(prepared, "output-statistics-in-training")
    assert seq.case.steps[0].views  # the mean and standard deviation of out, per feature
    calls = run_like_the_worker(seq, _student())
    assert sequence_result(seq, KATA, calls, {}, "not-run").status == "passed"
    [key] = calls
    call = calls[key]
    assert isinstance(call.value, SequenceValue)
    out = call.value.items[0]
    assert isinstance(out, ArrayValue) and out.array is not None
    doubled = ArrayValue(out.array * 2, out.shape, out.dtype)
    calls[key] = CallOutcome(key, "ok", SequenceValue("tuple", (doubled, *call.value.items[1:])))
    result = sequence_result(seq, KATA, calls, {}, "not-run")
    assert result.status == "failed"
    assert [m.output for m in result.mismatches] == ["out.mean(over N)", "out.std(over N)"]


def test_a_returned_dict_is_compared_entry_by_entry() -> None:
    from normkatas.grading.sequence import reference_results, step_mismatches, student_results
    from normkatas.spec.model import Function, Output, Param, Tolerance
    from normkatas.spec.sequence import SequenceStep

    fn = Function(name="stats", params=[Param(name="x")],
                  returns=[Output(name="s"), Output(name="cache", opaque=True)])
    ref = reference_results(fn, [{"mean": np.ones(2), "name": "text"}, object()], {})
    assert set(ref) == {"s.mean"}
    mine = student_results(SequenceValue("tuple", (DictValue((
        ("mean", ArrayValue(np.array([1.0, 3.0]), (2,), "<f8")),
        ("extra", ArrayValue(np.zeros(1), (1,), "<f8")),
    )),)), fn)
    assert mine is not None and set(mine) == {"s.mean", "s.extra"}
    step = SequenceStep(0, fn, {}, {}, True, None)
    [m] = step_mismatches(step, ref, mine, Tolerance(), hidden=False)
    assert (m.output, m.mismatched, m.step) == ("s.mean", 1, 1)


def test_a_departing_backward_call_is_diagnosed_through_its_call_view(
    prepared: PreparedKata,
) -> None:
    """The backward pass reads the forward call's cache: its view takes x, gamma and eps
    from that call's arguments, and one diagnosis covers every case it departs in."""
    from normkatas.diagnose import diagnose

    inp, results = _graded(prepared, _student(no_batch_terms=True))
    entry, view = with_departures(inp, prepared, results)
    assert entry is inp  # the forward calls all agree
    assert view.kata.entry == "batchnorm_backward"
    assert [p.name for p in view.kata.params] == ["dout", "x", "gamma", 'bn_param["eps"]']
    assert [c.name for c in view.cases] == ["forward-then-backward (call 2)",
                                            "two-samples-large-eps (call 2)"]
    [diagnosis] = diagnose_sequences(inp, prepared, results, diagnose)
    assert diagnosis.id == "mean-var-constant"
    assert diagnosis.counterexample is None  # a call of the view is not the student's
