"""The process backend (Windows' sandbox), run here on Linux: the same verdicts as fork.

Every submission below runs through a fork-mode Sandbox and a process-mode
Sandbox (``mode="process"``: a fresh interpreter per job, killed as a process
tree at the deadline), and the two outcomes must agree: statuses per call,
the arrays returned, what was printed and how much.  The Windows-only parts
(Job Objects) are checked with a stand-in kernel in test_winjob.py; the mode
each platform gets in tests/platforms/.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from normkatas.sandbox import Sandbox
from normkatas.sandbox.types import ArrayValue, Call, Job, Limits, RunOutcome
from tests.sandbox.test_sandbox import REFERENCE, args, reference
from tests.support.procs import alive

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="compares with the fork backend")

FAST = Limits(timeout=2.0, probe_timeout=1.0)
WRONG = """
import numpy as np

def batch_normalization(X, gamma, beta, epsilon=1e-5):
    m = X.mean(axis=0, keepdims=True)
    v = X.var(axis=0, keepdims=True)
    return gamma[None, :, None, None] * (X - m) / np.sqrt(v + epsilon) + beta[None, :, None, None]
"""


@pytest.fixture(scope="module")
def pair() -> Iterator[tuple[Sandbox, Sandbox]]:
    # The fork backend without the hardened isolation: the process sandbox it shares with
    # this backend (the filesystem view would hide tmp_path from the submission).
    with Sandbox(mode="fork", isolation=False) as fork, Sandbox(mode="process") as process:
        assert process.mode == "process"
        yield fork, process


def both(
    pair: tuple[Sandbox, Sandbox],
    path: Path,
    calls: list[Call] | None = None,
    limits: Limits = FAST,
    entry: str = "batch_normalization",
    hidden: bool = False,
) -> tuple[RunOutcome, RunOutcome]:
    calls = calls if calls is not None else [Call("case-1", args())]
    job = Job(path, entry, calls, limits, hidden=hidden)
    fork, process = pair
    return fork.run(job), process.run(job)


def verdict(outcome: RunOutcome) -> dict[str, Any]:
    """What grading reads from an outcome (not timings, pids or signal numbers)."""
    values: list[object] = []
    for call in outcome.calls:
        value = call.value
        if isinstance(value, ArrayValue) and value.array is not None:
            values.append((value.shape, value.dtype, value.array.tobytes()))
        else:
            values.append(value)
    return {
        "status": outcome.status,
        "calls": [(c.key, c.status, c.exception and c.exception.type) for c in outcome.calls],
        "values": values,
        "error": outcome.error and (outcome.error.type, outcome.error.line),
        "stdout": (outcome.stdout, outcome.stdout_total),
        "stderr": (outcome.stderr, outcome.stderr_total),
        "defined": outcome.defined_functions,
    }


def test_a_correct_submission(pair: tuple[Sandbox, Sandbox], write: Any) -> None:
    path = write(REFERENCE + "\nprint('hi from the student')\n")
    calls = [Call(f"case-{i}", args(i)) for i in range(3)]
    fork, process = both(pair, path, calls)
    assert verdict(process) == verdict(fork)
    assert process.status == "ok" and process.warnings == ()
    for i in range(len(calls)):
        value = process.calls[i].value
        assert isinstance(value, ArrayValue) and value.array is not None
        np.testing.assert_allclose(value.array, reference(**args(i)))
    assert process.stdout == b"hi from the student\n"
    assert process.exit_code == 0 and process.signal is None
    assert all(c.duration > 0 for c in process.calls)


def test_a_wrong_submission(pair: tuple[Sandbox, Sandbox], write: Any) -> None:
    fork, process = both(pair, write(WRONG))
    assert verdict(process) == verdict(fork)
    value = process.calls[0].value
    assert isinstance(value, ArrayValue) and value.array is not None
    assert not np.allclose(value.array, reference(**args()))


def test_a_timeout_kills_the_process_tree(
    pair: tuple[Sandbox, Sandbox], write: Any, tmp_path: Path
) -> None:
    """The function never returns, and a child it started would outlive it: both die."""
    pidfile = tmp_path / "child.pid"
    source = f"""
        import subprocess, sys, time
        def f(t):
            child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
            open({str(pidfile)!r}, "w").write(str(child.pid))
            while True:
                time.sleep(0.01)
        """
    calls = [Call("a", {"t": 0.0}), Call("b", {"t": 0.0})]
    limits = Limits(timeout=1.0, probe_timeout=1.0)
    fork, process = both(pair, write(source), calls, limits, entry="f")
    assert verdict(process) == verdict(fork)
    assert process.status == "timeout"
    assert [c.status for c in process.calls] == ["timeout", "not-run"]
    child = int(pidfile.read_text())
    assert _gone(child), "the student's child survived the job"


def _gone(pid: int, within: float = 10.0) -> bool:
    """Has ``pid`` died (a SIGKILL sent is not yet a process gone: a bounded wait)?"""
    end = time.monotonic() + within
    while alive(pid):
        if time.monotonic() > end:
            return False
        time.sleep(0.01)
    return True


@pytest.mark.parametrize("how", ["os._exit(3)", "os.abort()", "sys.exit(5)"])
def test_a_crash(pair: tuple[Sandbox, Sandbox], write: Any, how: str) -> None:
    source = f"""
        import os, sys
        def f():
            {how}
        """
    fork, process = both(pair, write(source), [Call("a", {}), Call("b", {})], entry="f")
    mine, theirs = verdict(process), verdict(fork)
    if how == "os.abort()":  # faulthandler's stack: the two processes' frames differ
        assert b"Fatal Python error: Aborted" in mine.pop("stderr")[0]
        theirs.pop("stderr")
    assert mine == theirs
    assert process.status == "crashed"
    assert [c.status for c in process.calls] == ["crashed", "not-run"]
    assert (process.exit_code, process.signal) == (fork.exit_code, fork.signal)


def test_huge_output_is_drained_and_capped(pair: tuple[Sandbox, Sandbox], write: Any) -> None:
    source = """
        import os, sys
        def f():
            for _ in range(64):
                print("o" * (1 << 16))
            os.write(2, b"e" * (4 << 20))
            return 1.0
        """
    limits = Limits(timeout=5.0, output_bytes=1000)
    fork, process = both(pair, write(source), [Call("a", {})], limits, entry="f")
    assert verdict(process) == verdict(fork)
    assert process.status == "ok"
    assert process.stdout == b"o" * 1000 and process.stdout_total == 64 * ((1 << 16) + 1)
    assert process.stderr == b"e" * 1000 and process.stderr_total == 4 << 20


def test_import_failures(pair: tuple[Sandbox, Sandbox], write: Any) -> None:
    for source in (
        "def batch_normalization(X, gamma, beta):\n    return (X\n",
        "import no_such_module_here\n",
        "def something_else(X):\n    return X\n",
        "raise SystemExit(4)\n",
    ):
        fork, process = both(pair, write(source))
        assert verdict(process) == verdict(fork), source


def test_exceptions_and_memory(pair: tuple[Sandbox, Sandbox], write: Any) -> None:
    source = """
        import numpy as np
        def f(kind):
            if kind == "raise":
                raise ValueError("nope")
            if kind == "memory":
                return np.ones((1 << 40,), dtype=np.uint8)
            return np.zeros(3)
        """
    calls = [Call("a", {"kind": "raise"}), Call("b", {"kind": "ok"}),
             Call("c", {"kind": "memory"}), Call("d", {"kind": "ok"})]
    fork, process = both(pair, write(source), calls, Limits(timeout=5.0, memory_mb=1024),
                         entry="f")
    assert verdict(process) == verdict(fork)
    assert [c.status for c in process.calls] == ["exception", "ok", "memory-limit", "not-run"]


def test_probes_get_their_own_clock(pair: tuple[Sandbox, Sandbox], write: Any) -> None:
    source = """
        import time
        def f(t):
            time.sleep(t)
            return t
        """
    calls = [Call("a", {"t": 0.0}), Call("p", {"t": 30.0}, group="probe")]
    limits = Limits(timeout=5.0, probe_timeout=0.5)
    fork, process = both(pair, write(source), calls, limits, entry="f")
    assert verdict(process) == verdict(fork)
    assert process.status == "ok"
    assert [c.status for c in process.calls] == ["ok", "timeout"]


@pytest.mark.parametrize(
    "forgery",
    [
        "b'garbage that is not a frame'",
        "struct.pack('!4sIQ', b'NKSB', 2**31, 0)",
        "frame({'type': 'call', 'index': 7, 'status': 'ok'})",
        "frame({'type': 'hello', 'warnings': ['forged']})",
        "frame({'type': 'done'})",
    ],
)
def test_the_result_pipe_is_hostile(
    pair: tuple[Sandbox, Sandbox], write: Any, forgery: str
) -> None:
    """Whatever the submission writes on every descriptor it can find is a crash."""
    source = f"""
        import json, os, struct
        def frame(header):
            head = json.dumps(header).encode()
            return struct.pack("!4sIQ", b"NKSB", len(head), 0) + head
        def f():
            for fd in range(3, 1024):
                try:
                    os.write(fd, {forgery})
                except OSError:
                    pass
            return 1.0
        """
    fork, process = both(pair, write(source), [Call("a", {}), Call("b", {})], entry="f")
    assert process.status == fork.status == "crashed", process
    assert [c.status for c in process.calls] == ["crashed", "not-run"]
    assert any("malformed" in w for w in process.warnings), process.warnings
    assert not any("forged" in w for w in process.warnings)


def test_a_call_over_its_byte_budget_is_refused(
    pair: tuple[Sandbox, Sandbox], write: Any
) -> None:
    source = """
        import numpy as np
        def f(n):
            return np.zeros(n)
        """
    calls = [Call("a", {"n": 10}, max_result_bytes=1000), Call("b", {"n": 1000},
             max_result_bytes=1000)]
    fork, process = both(pair, write(source), calls, entry="f")
    assert verdict(process) == verdict(fork)
    assert process.calls[1].value == ArrayValue(None, (1000,), "<f8", "too-large")


def test_hidden_jobs_keep_arrays_and_statuses_only(
    pair: tuple[Sandbox, Sandbox], write: Any
) -> None:
    path = write(REFERENCE + "\nimport sys\nprint('secret')\nprint('x', file=sys.stderr)\n")
    fork, process = both(pair, path, hidden=True)
    assert verdict(process) == verdict(fork)
    assert process.stdout == b"" and process.warnings == () and process.duration == 0.0


def test_run_many(write: Any) -> None:
    path = write(REFERENCE)
    jobs = [Job(path, "batch_normalization", [Call("c", args(i))], FAST) for i in range(4)]
    with Sandbox(jobs=2, mode="process") as sb:
        done = dict(sb.run_many(jobs))
        assert sorted(done) == [0, 1, 2, 3]
        assert all(o.status == "ok" for o in done.values())
        assert sb.run(jobs[0]).status == "ok"


def test_cancelling_a_running_job_kills_it(write: Any, tmp_path: Path) -> None:
    marker = tmp_path / "started"
    slow = write(f"import time\ndef batch_normalization(X, gamma, beta, epsilon=1e-5):\n"
                 f"    open({str(marker)!r}, 'w').close()\n    time.sleep(600)\n")
    fast = write(REFERENCE, "fast.py")
    jobs = [Job(slow, "batch_normalization", [Call("c", args())], Limits(timeout=600.0)),
            Job(fast, "batch_normalization", [Call("c", args())], FAST)]
    with Sandbox(jobs=2, mode="process") as sb:
        results = sb.run_many(jobs)
        index, outcome = next(results)
        assert (index, outcome.status) == (1, "ok")
        pids = [s.pid for s in sb._servers]
        results.close()  # the slow one is still running: it is killed
        assert all(_gone(p) for p in pids if p)


def test_the_environment_knob_selects_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NORMKATAS_SANDBOX_MODE", "process")
    with Sandbox() as sb:
        assert sb.mode == "process"
    with Sandbox(mode="fork") as sb:
        assert sb.mode == "fork"  # an explicit mode wins


def test_an_uninstalled_source_tree_is_put_on_the_path(monkeypatch: pytest.MonkeyPatch) -> None:
    from normkatas.sandbox import process

    root = process._PACKAGE_ROOT
    monkeypatch.setenv("PYTHONPATH", root)
    command = process.command("9")
    assert command[:3] == [sys.executable, "-I", "-c"] and command[-2:] == [root, "9"]
    monkeypatch.delenv("PYTHONPATH")
    if root in {os.path.abspath(p) for p in sys.path if p}:
        assert process.command("9") == [
            sys.executable, "-I", "-m", "normkatas.sandbox.spawned", "9"
        ]
