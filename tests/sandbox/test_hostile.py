"""The hostile-submission corpus (tests/hostile/*.py), run through the Sandbox.

Every file defines ``batch_normalization(X, gamma, beta, epsilon=1e-5)`` and
attacks the grader some way.  Each test checks the outcome's status, that it
came back in bounded time, and that nothing the submission started is still
running afterwards.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from normkatas.sandbox import Sandbox
from normkatas.sandbox.types import (
    ArrayValue,
    Call,
    Job,
    Limits,
    OtherValue,
    RunOutcome,
    SequenceValue,
)
from tests.support import TESTS

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")

HOSTILE = TESTS / "hostile"
TIMEOUT = 1.0


def reference(X: np.ndarray, gamma: np.ndarray, beta: np.ndarray, epsilon: float = 1e-5) -> Any:
    m = X.mean(axis=(0, 2, 3), keepdims=True)
    v = X.var(axis=(0, 2, 3), keepdims=True)
    return gamma[None, :, None, None] * (X - m) / np.sqrt(v + epsilon) + beta[None, :, None, None]


def args(seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    return {
        "X": rng.normal(size=(2, 3, 4, 5)),
        "gamma": rng.uniform(0.5, 2.0, size=3),
        "beta": rng.normal(size=3),
    }


def first_array(outcome: RunOutcome) -> np.ndarray:
    value = outcome.calls[0].value
    assert isinstance(value, ArrayValue) and value.array is not None, outcome
    return value.array


def is_reference(outcome: RunOutcome) -> bool:
    return bool(np.allclose(first_array(outcome), reference(**args(0))))


def address_space_mb(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) // 1024
    raise AssertionError("no VmSize")


@dataclass(frozen=True)
class Case:
    file: str
    status: str
    calls: tuple[str, ...]
    check: Callable[[RunOutcome], None] | None = None
    memory: bool = False


def _segfault(o: RunOutcome) -> None:
    assert o.signal == signal.SIGSEGV and o.exit_code is None


def _killed(o: RunOutcome) -> None:
    assert o.signal == signal.SIGKILL


def _os_exit(o: RunOutcome) -> None:
    assert o.exit_code == 0 and o.calls[0].value is None


def _sys_exit(o: RunOutcome) -> None:
    assert o.error is not None and o.error.type == "SystemExit" and o.exit_code == 0


def _memory(o: RunOutcome) -> None:
    info = o.calls[0].exception
    assert info is not None and info.type == "MemoryError"
    assert [f.source for f in info.frames] == ["blocks.append(np.ones(2**20))"]


def _memory_at_import(o: RunOutcome) -> None:
    assert o.error is not None and o.error.type == "MemoryError"
    assert [f.line for f in o.error.frames] == [5]


def _recursion(o: RunOutcome) -> None:
    info = o.calls[0].exception
    assert info is not None and info.type == "RecursionError"
    assert o.signal is None and 0 < len(info.frames) <= 40


def _zeros(o: RunOutcome) -> None:
    assert type(first_array(o)) is np.ndarray
    assert (first_array(o) == 0).all() and not is_reference(o)


def _fake_report(o: RunOutcome) -> None:
    _zeros(o)
    assert b"All tests passed!" in o.stdout and b'"status": "ok"' in o.stdout


def _flood(o: RunOutcome) -> None:
    assert is_reference(o)
    assert len(o.stdout) == len(o.stderr) == Limits().output_bytes
    assert o.stdout_total == o.stderr_total == 2 * 32 * 2**20  # two calls


def _correct(o: RunOutcome) -> None:
    assert is_reference(o)


def _giant(o: RunOutcome) -> None:
    value = o.calls[0].value
    assert isinstance(value, SequenceValue)
    assert value.items == (
        ArrayValue(None, (10**5, 10**5), "<f8", "too-large"),
        ArrayValue(None, (10**6,) * 3, "<f8", "too-large"),
    )


def _refused(dtype: str) -> Callable[[RunOutcome], None]:
    def check(o: RunOutcome) -> None:
        assert o.calls[0].value == ArrayValue(None, (2, 3, 4, 5), dtype, "not-numeric")

    return check


def _escapes(o: RunOutcome) -> None:
    info = o.calls[0].exception
    assert info is not None and info.type == "ValueError"
    assert info.message.startswith('<script>alert("pwned")</script> \x1b[2J\x1b[31mPASSED')
    assert "\x07" in info.message


def _fds_closed(o: RunOutcome) -> None:
    assert is_reference(o)
    second = o.calls[1].exception  # closing fd 0 a second time is the student's own error
    assert second is not None and second.type == "OSError"


def _memory_1gb(o: RunOutcome) -> None:
    info = o.calls[0].exception
    assert info is not None and info.type == "MemoryError"
    assert [f.source for f in info.frames] == ["return np.ones(2**27) + X.sum()"]


def _both_correct(o: RunOutcome) -> None:
    for call in o.calls:
        assert isinstance(call.value, ArrayValue) and call.value.array is not None
        assert np.allclose(call.value.array, reference(**args(0)))


def _giant_single(o: RunOutcome) -> None:
    assert o.calls[0].value == ArrayValue(None, (10**5, 10**5), "<f8", "too-large")


def _inputs_in_message(o: RunOutcome) -> None:
    info = o.calls[0].exception
    assert info is not None and info.type == "ValueError" and info.message.startswith("array(")
    assert b"array(" in o.stdout and len(o.stderr) > 100


def _smuggled(o: RunOutcome) -> None:
    """The sandbox carries what the function did as is; grading redacts hidden cases."""
    info = o.calls[0].exception
    assert info is not None and info.type.startswith("Leak_")
    value = o.calls[1].value
    assert isinstance(value, OtherValue) and value.type_name.startswith("submission.Leak_")


def _raw_output(o: RunOutcome) -> None:
    _zeros(o)
    assert b"\x1b[2J" in o.stdout and b"\x1b[2J" in o.stderr and b"::stop-commands::" in o.stdout


CASES = [
    Case("loop_in_function.py", "timeout", ("timeout", "not-run"), check=_killed),
    Case("loop_at_import.py", "timeout", ("not-run", "not-run"), check=_killed),
    Case("sleep_at_import.py", "timeout", ("not-run", "not-run"), check=_killed),
    Case("ignore_sigterm.py", "timeout", ("timeout", "not-run"), check=_killed),
    Case("memory_bomb.py", "memory-limit", ("memory-limit", "not-run"), check=_memory,
         memory=True),
    Case("memory_bomb_at_import.py", "memory-limit", ("not-run",) * 2, check=_memory_at_import,
         memory=True),
    Case("exit_at_import.py", "crashed", ("not-run", "not-run"), check=_sys_exit),
    Case("os_exit_in_function.py", "crashed", ("crashed", "not-run"), check=_os_exit),
    Case("segfault.py", "crashed", ("crashed", "not-run"), check=_segfault),
    Case("infinite_recursion.py", "ok", ("exception", "exception"), check=_recursion),
    Case("monkeypatch_numpy.py", "ok", ("ok", "ok"), check=_zeros),
    Case("lying_subclass.py", "ok", ("ok", "ok"), check=_zeros),
    Case("fake_report.py", "ok", ("ok", "ok"), check=_fake_report),
    Case("flood_output.py", "ok", ("ok", "ok"), check=_flood),
    Case("fork_children.py", "ok", ("ok", "ok"), check=_correct),
    Case("giant_array.py", "ok", ("ok", "ok"), check=_giant),
    Case("object_array.py", "ok", ("ok", "ok"), check=_refused("|O")),
    Case("string_array.py", "ok", ("ok", "ok"), check=_refused("<U3")),
    Case("close_fds.py", "ok", ("ok", "exception"), check=_fds_closed),
    Case("chdir_root.py", "ok", ("ok", "ok"), check=_correct),
    Case("escape_sequences.py", "ok", ("exception", "exception"), check=_escapes),
    Case("name with spaces ünïcödé.py", "ok", ("ok", "ok"), check=_correct),
    Case("memory_bomb_1gb.py", "memory-limit", ("memory-limit", "not-run"), check=_memory_1gb,
         memory=True),
    Case("close_stdio.py", "ok", ("ok", "ok"), check=_both_correct),
    Case("giant_single_array.py", "ok", ("ok", "ok"), check=_giant_single),
    Case("leak_inputs.py", "ok", ("exception", "exception"), check=_inputs_in_message),
    Case("leak_side_channels.py", "ok", ("exception", "ok"), check=_smuggled),
    # What it finds depends on what the test process loaded before the fork server
    # started; tests/e2e/test_hostile_e2e.py checks it against the real `grade`.
    Case("snoop_reference.py", "ok", ("ok", "ok")),
    Case("escape_output.py", "ok", ("ok", "ok"), check=_raw_output),
    Case("ci_injection.py", "ok", ("ok", "ok"), check=_zeros),
]


def test_the_corpus_is_covered() -> None:
    assert sorted(c.file for c in CASES) == sorted(p.name for p in HOSTILE.glob("*.py"))


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(mode="fork") as sb:
        yield sb


def run_case(sb: Sandbox, case: Case) -> RunOutcome:
    limits = Limits(timeout=TIMEOUT * (5 if case.memory else 1), probe_timeout=0.5)
    if case.memory:  # room above the server's own address space, so the bomb goes off fast
        limits = Limits(timeout=limits.timeout, memory_mb=address_space_mb(sb.pids[0]) + 160)
    calls = [Call("c1", args(0)), Call("c2", args(0))]
    job = Job(HOSTILE / case.file, "batch_normalization", calls, limits)
    outcome = sb.run(job)
    assert outcome.status == case.status, outcome
    assert tuple(c.status for c in outcome.calls) == case.calls, outcome
    if case.check is not None:
        case.check(outcome)
    assert sb.job_processes() == set(), f"{case.file} left processes behind"
    return outcome


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_hostile(sandbox: Sandbox, case: Case) -> None:
    outcome = run_case(sandbox, case)
    if case.file == "fork_children.py":
        pids = [
            int(p)
            for line in outcome.stdout.split(b"\n")
            if line.startswith(b"PIDS:")
            for p in line.split()[1:]
        ]
        assert len(pids) == 4
        if sandbox.protections.pid_namespace:
            return  # pids of the job's own namespace: gone with it (checked above)
        for pid in pids:
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)


SPAWNED = ["loop_in_function.py", "segfault.py", "fork_children.py", "flood_output.py"]


@pytest.mark.slow
def test_hostile_in_spawn_mode() -> None:
    with Sandbox(mode="spawn") as sb:
        for case in CASES:
            if case.file in SPAWNED:
                run_case(sb, case)


def test_the_grader_still_works_after_the_corpus(sandbox: Sandbox) -> None:
    outcome = sandbox.run(
        Job(HOSTILE / "chdir_root.py", "batch_normalization", [Call("c", args(0))])
    )
    assert outcome.status == "ok" and is_reference(outcome)
    assert os.getcwd() != "/"
