"""Performance cases: the sandbox's timed calls and the grader's advice."""

from __future__ import annotations

import dataclasses
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from normkatas.grading.prepare import build_result, make_jobs, prepare
from normkatas.grading.timing import PERFORMANCE_MAX_SECONDS, PERFORMANCE_MIN_SECONDS
from normkatas.report.result import Result
from normkatas.sandbox import Sandbox
from normkatas.sandbox.limits import cpu_seconds
from normkatas.sandbox.types import (
    ArrayValue,
    Call,
    CallOutcome,
    ExceptionInfo,
    Job,
    Limits,
    RunOutcome,
)
from normkatas.spec.load import parse_kata

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX only")

KATA = """
id: timed-sum
title: Sum
statement: Sum an array.
entry: total
params: [{name: x}]
returns: [{name: s}]
reference: timed_sum:total
{performance}
cases:
  - name: small
    args: {x: [1.0, 2.0, 3.0]}
  - name: hidden-small
    hidden: true
    args: {x: [4.0, 5.0]}
  - name: timing
    performance: true
    points: 2
    args:
      x: {generate: uniform, shape: [1000000], seed: 1}
"""
REFERENCE = "import numpy as np\n\ndef total(x):\n    return np.asarray(x.sum())\n"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(jobs=2, mode="fork") as sb:
        yield sb


def setup(tmp_path: Path, performance: str = "performance: {slower_than: 50}") -> Any:
    # (50x: a generous margin for a busy test machine; loops here are 100x and more)
    (tmp_path / "solutions").mkdir(parents=True)
    (tmp_path / "solutions" / "timed_sum.py").write_text(REFERENCE, encoding="utf-8")
    kata = parse_kata(KATA.replace("{performance}", performance))
    return prepare(kata, [tmp_path / "solutions"])


def submission(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "solution.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


# -- the sandbox ------------------------------------------------------------------------


def test_performance_calls_run_last_on_their_own_budget(sandbox: Sandbox, tmp_path: Path) -> None:
    path = submission(tmp_path, """
        import time
        def f(t):
            time.sleep(t)
            return t
        """)
    calls = [
        Call("t1", {"t": 5.0}, group="performance"),
        Call("c1", {"t": 0.2}),
        Call("p1", {"t": 0.0}, group="probe"),
        Call("c2", {"t": 0.2}),
    ]
    limits = Limits(timeout=1.0, probe_timeout=1.0, performance_timeout=0.3)
    outcome = sandbox.run(Job(path, "f", calls, limits))
    assert outcome.status == "ok"  # a timed call that runs out of time is not a failure
    statuses = {c.key: c.status for c in outcome.calls}
    assert statuses == {"t1": "timeout", "c1": "ok", "p1": "ok", "c2": "ok"}
    assert [c.key for c in outcome.calls] == ["t1", "c1", "p1", "c2"]  # the job's order
    assert outcome.duration >= 0.4  # the two 0.2 s cases ran; no upper bound: a busy machine


def test_the_cpu_backstop_counts_the_performance_budget() -> None:
    assert cpu_seconds(Limits(timeout=2.0, probe_timeout=1.0, performance_timeout=1.5)) == 6
    assert Limits().performance_timeout == 0.0  # no timed calls unless the grader says so


def test_what_a_performance_call_prints_is_dropped(sandbox: Sandbox, tmp_path: Path) -> None:
    path = submission(tmp_path, """
        def f(tag):
            print("from", tag)
            return 1.0
        """)
    calls = [Call("c", {"tag": "case"}), Call("t", {"tag": "timing"}, group="performance")]
    outcome = sandbox.run(Job(path, "f", calls, Limits(performance_timeout=1.0)))
    assert outcome.status == "ok" and [c.status for c in outcome.calls] == ["ok", "ok"]
    assert outcome.stdout == b"from case\n"


def test_a_repeated_call_reports_its_fastest_run(sandbox: Sandbox, tmp_path: Path) -> None:
    path = submission(tmp_path, """
        import time
        import numpy as np
        runs = []
        def f(x):
            runs.append(1)
            time.sleep(0.2 if len(runs) == 1 else 0.0)  # a hiccup on the first run
            x += 1.0  # each run gets fresh inputs
            return np.array([len(runs), x[0]])
        """)
    calls = [
        Call("t", {"x": np.zeros(1)}, "performance", repeat=3),
        Call("fast", {"x": np.zeros(1)}, "performance", repeat=3, fast_enough=0.1),
    ]
    outcome = sandbox.run(Job(path, "f", calls, Limits(performance_timeout=2.0)))
    timed, fast = outcome.calls
    assert timed.status == "ok" and timed.duration < 0.2  # not the first run
    assert isinstance(timed.value, ArrayValue) and timed.value.array is not None
    assert timed.value.array.tolist() == [3.0, 1.0]
    # a run fast enough is not repeated
    assert isinstance(fast.value, ArrayValue) and fast.value.array is not None
    assert fast.value.array.tolist() == [4.0, 1.0]


def test_no_repeat_that_would_not_fit_the_budget(sandbox: Sandbox, tmp_path: Path) -> None:
    path = submission(tmp_path, """
        import time
        def f():
            time.sleep(0.3)
            return 1.0
        """)
    calls = [Call("t", {}, "performance", repeat=3)]
    outcome = sandbox.run(Job(path, "f", calls, Limits(performance_timeout=0.5)))
    (timed,) = outcome.calls
    assert timed.status == "ok" and timed.duration >= 0.3  # one run, not killed
    assert isinstance(timed.value, ArrayValue) or timed.value is None


# -- grading ----------------------------------------------------------------------------


def test_the_reference_is_timed_and_the_budget_follows(tmp_path: Path) -> None:
    prepared = setup(tmp_path)
    assert list(prepared.reference_seconds) == ["timing"]
    assert prepared.reference_seconds["timing"] > 0
    assert prepared.kata.max_score == 2  # the timing is not scored
    budget = prepared.limits.performance_timeout
    assert PERFORMANCE_MIN_SECONDS <= budget <= PERFORMANCE_MAX_SECONDS
    (visible,) = make_jobs(prepared, tmp_path / "solution.py")
    hidden = visible.then  # (the hidden cases: the same process, once the visible are in)
    assert hidden is not None
    assert [(c.key, c.group, c.discard) for c in visible.calls if c.group != "probe"] == [
        ("small", "case", False), ("timing", "performance", True)  # only timed: no value back
    ]
    assert [(c.key, c.group) for c in hidden.calls] == [("hidden-small", "case")]
    affects = setup(tmp_path / "affects", "performance: {affects_score: true}")
    (timing,) = [c for c in make_jobs(affects, tmp_path / "s.py")[0].calls if c.key == "timing"]
    assert timing.group == "performance" and not timing.discard  # compared: value back


def test_a_discarded_value_does_not_come_back(sandbox: Sandbox, tmp_path: Path) -> None:
    path = submission(tmp_path, """
        import numpy as np
        def f(x):
            x[0] = 1.0  # a mutation is not checked either
            return x * 2
        """)
    calls = [Call("kept", {"x": np.zeros(3)}), Call("t", {"x": np.zeros(3)}, "performance", True)]
    outcome = sandbox.run(Job(path, "f", calls, Limits(performance_timeout=1.0)))
    kept, timed = outcome.calls
    assert kept.status == "ok" and kept.value is not None and kept.mutated == ("x",)
    assert timed.status == "ok" and timed.value is None and timed.mutated == ()
    assert timed.duration > 0


def outcomes(prepared: Any, timing: CallOutcome, *, wrong: bool = False) -> list[RunOutcome]:
    """What the sandbox would send back: the reference's values on every graded case
    (plus one, when `wrong`), and `timing` for the performance call.  Timing logic is
    tested on these durations, never on a clock."""
    def value(name: str) -> ArrayValue:
        (out,) = prepared.reference_outputs[name]
        out = out + 1.0 if wrong else out
        return ArrayValue(out, out.shape, str(out.dtype))

    (job,) = make_jobs(prepared, Path("solution.py"))
    assert job.then is not None
    visible, hidden = (
        RunOutcome("ok", tuple(
            CallOutcome(c.key, "ok", value(c.key), duration=0.001) if c.group == "case" else
            dataclasses.replace(timing, key=c.key)
            for c in part.calls if c.group != "probe"
        ))
        for part in (job, job.then)
    )
    return [visible, hidden]


def graded(prepared: Any, timing: CallOutcome, *, wrong: bool = False) -> Result:
    return build_result(
        prepared, Path("solution.py"), outcomes(prepared, timing, wrong=wrong),
        display_name="solution.py",
    )


def seconds_times(prepared: Any, factor: float) -> CallOutcome:
    """A timed call `factor` times the reference's time on the performance case."""
    return CallOutcome("timing", "ok", duration=factor * prepared.reference_seconds["timing"])


@pytest.fixture(scope="module")
def prepared_kata(tmp_path_factory: pytest.TempPathFactory) -> Any:
    prepared = setup(tmp_path_factory.mktemp("kata"))
    prepared.reference_seconds["timing"] = 0.004  # 4 ms: a fixed figure, not a measurement
    return prepared


def test_vectorized_code_gets_no_advice(prepared_kata: Any) -> None:
    result = graded(prepared_kata, seconds_times(prepared_kata, 1.5))
    assert result.status == "passed" and result.score == result.max_score == 2
    assert [c.name for c in result.cases] == ["small", "hidden-small"]  # not a graded case
    perf = result.performance
    assert perf is not None and perf.case == "timing"
    assert not perf.slow and not perf.timed_out and not perf.affects_score
    assert perf.ratio == 1.5 and perf.yours_ms == 6.0 and perf.reference_ms == 4.0


def test_loops_get_advice_and_keep_their_score(prepared_kata: Any) -> None:
    result = graded(prepared_kata, seconds_times(prepared_kata, 120))
    assert result.status == "passed" and result.score == 2
    perf = result.performance
    assert perf is not None and perf.slow and perf.ratio == 120 and not perf.timed_out


def test_a_call_stopped_at_its_budget_is_slow(prepared_kata: Any) -> None:
    result = graded(prepared_kata, CallOutcome("timing", "timeout"))
    perf = result.performance
    assert perf is not None and perf.slow and perf.timed_out
    assert perf.yours_ms == round(prepared_kata.limits.performance_timeout * 1000, 3)
    assert result.status == "passed"  # a timing is advice, not a failure


def test_a_wrong_slow_answer_is_timed_not_diagnosed_on_the_timing(prepared_kata: Any) -> None:
    result = graded(prepared_kata, seconds_times(prepared_kata, 120), wrong=True)
    assert result.status == "failed"
    assert result.performance is not None and result.performance.slow
    assert all("timing" not in d.cases for d in result.diagnoses)


def test_affects_score_makes_the_timing_a_graded_case(tmp_path: Path) -> None:
    prepared = setup(tmp_path, "performance: {slower_than: 50, affects_score: true}")
    prepared.reference_seconds["timing"] = 0.004
    assert prepared.kata.max_score == 4
    (out,) = prepared.reference_outputs["timing"]
    value = ArrayValue(out, out.shape, str(out.dtype))
    fast = graded(prepared, CallOutcome("timing", "ok", value, duration=0.006))
    assert fast.status == "passed" and fast.score == 4
    assert [c.name for c in fast.cases] == ["small", "hidden-small", "timing"]
    slow = graded(prepared, CallOutcome("timing", "ok", value, duration=0.6))
    assert slow.status == "failed" and slow.score == 2
    timing = next(c for c in slow.cases if c.name == "timing")
    assert timing.status == "failed" and timing.points == 0 and timing.max_points == 2
    assert slow.performance is not None and slow.performance.affects_score


def test_a_timing_that_raises_gives_no_advice(prepared_kata: Any) -> None:
    raised = CallOutcome("timing", "exception", exception=ExceptionInfo("ValueError", "big"))
    result = graded(prepared_kata, raised)
    assert result.status == "passed"  # the graded cases are small
    assert result.performance is None


def test_a_hiccup_on_a_millisecond_reference_is_not_called_slow() -> None:
    """Ratios of tiny times are noise: slow also needs a real loss of time."""
    from types import SimpleNamespace

    from normkatas.grading.timing import performance_of as _performance
    from normkatas.sandbox.types import CallOutcome
    from normkatas.spec.model import PerformanceRule

    def verdict(yours: float) -> bool:
        prepared = SimpleNamespace(
            kata=SimpleNamespace(performance=PerformanceRule(slower_than=3.0)),
            reference_seconds={"timing": 0.001},
            limits=SimpleNamespace(performance_timeout=1.0),
        )
        calls = {"timing": CallOutcome(key="timing", status="ok", duration=yours)}
        found = _performance(prepared, calls)  # type: ignore[arg-type]
        assert found is not None
        return found.slow

    assert verdict(0.005) is False  # 5x, but 4 ms lost: a scheduler hiccup
    assert verdict(0.050) is True   # 50x and 49 ms lost: Python loops
