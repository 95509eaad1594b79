"""Process hygiene of the sandbox: the grader's process is never affected.

No fd leaks, no zombies, no signal handlers left behind; parallel runs do not
disturb each other; a lost fork server is replaced; overheads are measured.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from normkatas.sandbox import Sandbox, prepare_environment, procs
from normkatas.sandbox.client import _Server
from normkatas.sandbox.types import ArrayValue, Call, Job, Limits
from tests.support.procs import alive

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")

TRIVIAL = "def f(x):\n    return x\n"
SLEEPY = "import time\ndef f(x):\n    time.sleep(x)\n    return x\n"
CRASHY = "import os\ndef f(x):\n    os.kill(os.getpid(), 11)\n"


def fd_count(pid: int | str = "self") -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


@pytest.fixture
def student(tmp_path: Path) -> Any:
    def student(source: str) -> Path:
        path = tmp_path / f"s{len(list(tmp_path.iterdir()))}.py"
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        return path

    return student


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(mode="fork") as sb:
        yield sb


def job(path: Path, *values: Any, timeout: float = 5.0) -> Job:
    calls = [Call(f"c{i}", {"x": v}) for i, v in enumerate(values)]
    return Job(path, "f", calls, Limits(timeout=timeout, probe_timeout=1.0))


@pytest.mark.slow
def test_no_fd_leak_over_200_runs(sandbox: Sandbox, student: Any) -> None:
    path = student(TRIVIAL)
    trivial = Job(path, "f", [Call("k", {"x": np.ones(4)})], Limits(timeout=5.0))
    sandbox.run(trivial)
    server = sandbox.pids[0]
    try:
        server_before: int | None = fd_count(server)
    except PermissionError:  # in a user namespace of its own, even the grader cannot look
        server_before = None
    before = fd_count()
    for _ in range(200):
        assert sandbox.run(trivial).status == "ok"
    assert fd_count() == before
    if server_before is not None:
        assert fd_count(server) == server_before
    assert sandbox.job_processes() == set()


@pytest.mark.parametrize("mode", ["fork", "spawn"])
def test_close_leaves_no_process_signal_handler_or_fd(mode: str, student: Any) -> None:
    signals = [s for s in signal.Signals if s not in (signal.SIGKILL, signal.SIGSTOP)]
    handlers = {s: signal.getsignal(s) for s in signals}
    fds = fd_count()
    with Sandbox(mode=mode, jobs=2) as sb:  # type: ignore[arg-type]
        pids = sb.pids
        assert sb.run(job(student(TRIVIAL), 1.0)).status == "ok"
        assert sb.run(job(student(CRASHY), 1.0)).status == "crashed"
    assert not any(alive(p) for p in pids)
    with pytest.raises(ChildProcessError):
        for pid in pids:
            os.waitpid(pid, os.WNOHANG)  # already reaped: not our zombies
    assert {s: signal.getsignal(s) for s in signals} == handlers
    previous = signal.set_wakeup_fd(-1)
    signal.set_wakeup_fd(previous)
    assert previous == -1
    assert fd_count() == fds


def test_run_many_runs_in_parallel_and_keeps_results_apart(student: Any) -> None:
    sleepy, crashy, trivial = student(SLEEPY), student(CRASHY), student(TRIVIAL)
    jobs = [
        job(sleepy, 0.6),
        job(sleepy, 10.0, timeout=0.8),
        job(crashy, 0.0),
        job(trivial, np.arange(3.0)),
        job(sleepy, 0.6),
    ]
    with Sandbox(mode="fork", jobs=3) as sb:
        results = dict(sb.run_many(jobs))
        assert sb.job_processes() == set()
    # (how much faster than one at a time is the benchmark's business, not a test's)
    assert sorted(results) == [0, 1, 2, 3, 4]
    assert [results[i].status for i in range(5)] == ["ok", "timeout", "crashed", "ok", "ok"]
    assert results[2].signal == signal.SIGSEGV
    value = results[3].calls[0].value
    assert isinstance(value, ArrayValue) and value.array is not None
    assert value.array.tolist() == [0.0, 1.0, 2.0]


def test_run_many_closed_early_cancels_the_rest(student: Any) -> None:
    sleepy = student(SLEEPY)
    jobs = [job(sleepy, 0.0), job(sleepy, 30.0), job(sleepy, 30.0)]
    with Sandbox(mode="fork", jobs=2) as sb:
        start = time.monotonic()
        results = sb.run_many(jobs)
        index, outcome = next(results)
        assert (index, outcome.status) == (0, "ok")
        results.close()  # job 1 is running: it gets cancelled, job 2 never starts
        assert time.monotonic() - start < 25.0  # cancelled, not waited for (30 s)
        assert sb.job_processes() == set()
        assert sb.run(job(sleepy, 0.0)).status == "ok"  # the servers are still usable
        assert [o.status for _, o in sb.run_many([job(sleepy, 0.0)] * 2)] == ["ok", "ok"]


def test_a_lost_fork_server_is_replaced(sandbox: Sandbox, student: Any) -> None:
    trivial = job(student(TRIVIAL), 1.0)
    (old,) = sandbox.pids
    os.kill(old, signal.SIGKILL)
    lost = sandbox.run(trivial)
    assert lost.status == "crashed" and "fork server" in lost.warnings[0]
    assert [c.status for c in lost.calls] == ["not-run"]
    assert not alive(old)
    assert sandbox.run(trivial).status == "ok"  # on a spawned replacement
    (new,) = sandbox.pids
    assert new != old


def test_server_kills_the_running_job_when_the_grader_hangs_up(student: Any) -> None:
    server = _Server("fork", [])
    try:
        server.send(job(student(SLEEPY), 60.0, timeout=60.0))
        # The job's worker (a server without isolation: no namespace, no init).
        seen: set[int] = set()
        deadline = time.monotonic() + 30
        while not seen and time.monotonic() < deadline:
            seen |= procs.descendants(server.pid)
            time.sleep(0.01)
        assert seen, "the job never started"
    finally:
        start = time.monotonic()
        server.close()
    assert time.monotonic() - start < 45.0  # killed, not waited for (60 s)
    assert not alive(server.pid) and not any(alive(p) for p in seen)


def test_auto_mode_spawns_when_other_threads_run() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        with Sandbox(mode="auto") as sb:
            assert sb.mode == "spawn"
            assert "threads" in sb.warnings[0]
    finally:
        stop.set()
        thread.join()


def test_unclosed_sandbox_warns() -> None:
    sb = Sandbox(mode="fork")
    pid = sb.pids[0]
    with pytest.warns(ResourceWarning):
        del sb
        gc.collect()
    assert not alive(pid)


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError):
        Sandbox(jobs=0)
    with pytest.raises(ValueError):
        Sandbox(mode="thread")  # type: ignore[arg-type]


def test_prepare_environment_sets_only_what_is_unset() -> None:
    env = {"OMP_NUM_THREADS": "4"}
    prepare_environment(env)
    assert env == {"OMP_NUM_THREADS": "4", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def test_a_job_that_cannot_be_sent_leaves_the_sandbox_usable(student: Any) -> None:
    trivial = student(TRIVIAL)
    bad = Job(trivial, "f", [Call("k", {"x": np.array([object()])})])
    with Sandbox(mode="fork") as sb:
        with pytest.raises(TypeError):
            list(sb.run_many([job(trivial, 1.0), bad]))
        with pytest.raises(TypeError):
            sb.run(bad)
        assert sb.run(job(trivial, 1.0)).status == "ok"
        assert [o.status for _, o in sb.run_many([job(trivial, 1.0)])] == ["ok"]
