"""A job's ``then``: the hidden cases in the process that ran the visible ones.

What is asserted is what the grader gets: the second job's results, in the same
process when the first job finished (a module-level counter goes on), afresh when it
did not; nothing the process says after the first job is done reaching the first
job's outcome; and the same outcomes with the process backend.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from normkatas.sandbox import Sandbox
from normkatas.sandbox.types import ArrayValue, Call, Job, Limits, RunOutcome

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork servers")

LIMITS = Limits(timeout=10.0, probe_timeout=1.0)

COUNTER = """
    import numpy as np
    CALLS = [0]
    def f(x):
        CALLS[0] += 1
        print("visible print", float(x[0]))
        return np.array([CALLS[0], x[0]])
"""


def chained(path: Path, first: list[float], then: list[float],
            limits: Limits = LIMITS) -> Job:
    later = Job(path, "f", tuple(Call(f"h{i}", {"x": np.array([v])}) for i, v in enumerate(then)),
                limits, hidden=True)
    return Job(path, "f", tuple(Call(f"v{i}", {"x": np.array([v])}) for i, v in enumerate(first)),
               limits, then=later)


def values(outcome: RunOutcome) -> list[list[float]]:
    out = []
    for call in outcome.calls:
        assert isinstance(call.value, ArrayValue) and call.value.array is not None, call
        out.append(call.value.array.tolist())
    return out


@pytest.fixture(scope="module")
def sandbox() -> Any:
    with Sandbox(mode="fork", jobs=2) as sb:
        yield sb


def test_the_hidden_job_runs_in_the_same_process_after_the_visible_one(
    sandbox: Sandbox, write: Any
) -> None:
    outcome = sandbox.run(chained(write(COUNTER), [1.0, 2.0], [7.0, 8.0]))
    assert outcome.status == "ok", outcome
    assert values(outcome) == [[1.0, 1.0], [2.0, 2.0]]
    assert outcome.then is not None and outcome.then.status == "ok", outcome.then
    assert values(outcome.then) == [[3.0, 7.0], [4.0, 8.0]]  # the same module: 3, 4
    assert b"visible print 1.0" in outcome.stdout and b"7.0" not in outcome.stdout
    assert outcome.then.stdout == b"" and outcome.then.warnings == ()  # (hidden)
    assert sandbox.job_processes() == set()


@pytest.mark.parametrize("ending", ["crash", "timeout", "import"])
def test_a_first_job_that_does_not_finish_leaves_the_hidden_one_to_a_fresh_process(
    sandbox: Sandbox, write: Any, ending: str
) -> None:
    source = {
        "crash": COUNTER + "\n    def g(): pass\n" + """
    import os
    _f = f
    def f(x):
        if x[0] == 2.0:
            os._exit(3)
        return _f(x)
""",
        "timeout": COUNTER + """
    import time
    _f = f
    def f(x):
        if x[0] == 2.0:
            time.sleep(60)
        return _f(x)
""",
        "import": "raise ImportError('not today')\n",
    }[ending]
    limits = dataclasses.replace(LIMITS, timeout=1.5)
    outcome = sandbox.run(chained(write(source), [1.0, 2.0], [7.0], limits))
    assert outcome.then is not None, outcome
    if ending == "import":
        assert outcome.status == "import-error" and outcome.then.status == "import-error"
        return
    assert outcome.status == ("crashed" if ending == "crash" else "timeout"), outcome
    assert outcome.then.status == "ok", outcome.then
    assert values(outcome.then) == [[1.0, 7.0]]  # a fresh module: the counter starts over
    assert sandbox.job_processes() == set()


SPY = """
    import sys, threading, time
    import numpy as np
    SEEN = ["nothing"]
    def spy():
        while True:
            print("SEEN", SEEN[-1], flush=True)
            sys.stderr.write("SEEN " + SEEN[-1] + "\\n")
            time.sleep(0.0002)
    threading.Thread(target=spy, daemon=True).start()
    def f(x):
        SEEN.append(str(int(x[0])))
        time.sleep(0.01)
        return x
"""


def test_what_the_process_says_after_the_first_job_is_never_the_first_jobs(
    sandbox: Sandbox, write: Any
) -> None:
    """A thread keeps printing the last input: the hidden input (8675309) comes only after
    the visible outcome is sealed, so it can never be in the visible output."""
    for _ in range(5):
        outcome = sandbox.run(chained(write(SPY), [1.0, 2.0], [8675309.0]))
        assert outcome.then is not None and outcome.then.status == "ok", outcome
        assert b"SEEN 2" in outcome.stdout
        assert b"8675309" not in outcome.stdout + outcome.stderr
        assert not any("8675309" in w for w in outcome.warnings)
    assert sandbox.job_processes() == set()


def test_many_chained_jobs_at_once(sandbox: Sandbox, write: Any) -> None:
    path = write(COUNTER)
    jobs = [chained(path, [float(i)], [float(i + 100)]) for i in range(6)]
    results = dict(sandbox.run_many(jobs))
    assert sorted(results) == list(range(6))
    for i, outcome in results.items():
        assert outcome.then is not None
        assert values(outcome) == [[1.0, float(i)]]
        assert values(outcome.then) == [[2.0, float(i + 100)]]


def test_the_process_backend_runs_the_hidden_job_on_its_own(write: Any) -> None:
    with Sandbox(mode="process") as sb:
        outcome = sb.run(chained(write(COUNTER), [1.0], [7.0]))
    assert outcome.status == "ok" and outcome.then is not None, outcome
    assert values(outcome) == [[1.0, 1.0]]
    assert values(outcome.then) == [[1.0, 7.0]]  # a process of its own
