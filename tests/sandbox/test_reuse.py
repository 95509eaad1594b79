"""The sandbox's shortcuts for a class: the same calls are encoded once and sent once
per fork server, and every submission still gets its own results."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from normkatas.sandbox import Sandbox, codec
from normkatas.sandbox.types import ArrayValue, Call, Job, Limits

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX only")


def write(tmp_path: Path, name: str, factor: float) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(f"""
        def f(x):
            return x * {factor}
        """), encoding="utf-8")
    return path


def values(outcome: object) -> list[list[float]]:
    out = []
    for call in outcome.calls:  # type: ignore[attr-defined]
        assert call.status == "ok" and isinstance(call.value, ArrayValue), call
        assert call.value.array is not None
        out.append(call.value.array.tolist())
    return out


def test_encoding_is_kept_for_a_tuple_of_calls() -> None:
    calls = (Call("a", {"x": np.arange(3.0)}), Call("b", {"x": np.ones(2)}))
    first = codec.encode_job(Job(Path("one.py"), "f", calls))
    second = codec.encode_job(Job(Path("two.py"), "f", calls))
    assert first[0]["calls"] is second[0]["calls"]  # encoded once
    assert first[0]["submission"] != second[0]["submission"]
    short, parts = codec.encode_job(Job(Path("two.py"), "f", calls), same_calls=True)
    assert "calls" not in short and short["same_calls"] is True and parts == []
    lists = codec.encode_job(Job(Path("one.py"), "f", list(calls)))
    assert lists[0]["calls"] is not first[0]["calls"]  # a list is encoded every time


def test_every_student_gets_their_own_results(tmp_path: Path) -> None:
    calls = (Call("a", {"x": np.arange(3.0)}), Call("b", {"x": np.ones(2)}))
    other = (Call("c", {"x": np.full(1, 5.0)}),)
    limits = Limits(timeout=5.0)
    students = [write(tmp_path, f"s{i}.py", float(i)) for i in range(5)]
    with Sandbox(jobs=2, mode="fork") as sb:
        jobs = [Job(p, "f", calls, limits) for p in students]
        jobs.insert(3, Job(students[0], "f", other, limits))  # other calls in between
        jobs.append(Job(students[4], "f", list(calls), limits))  # and a list
        results = dict(sb.run_many(jobs))
        again = sb.run(Job(students[2], "f", calls, limits))
    assert values(results[3]) == [[0.0]]  # s0 on the other calls
    by_student = [results[i] for i in (0, 1, 2, 4, 5)]
    for i, outcome in enumerate(by_student):
        assert values(outcome) == [[0.0, float(i), 2.0 * i], [float(i)] * 2]
    assert values(results[6]) == [[0.0, 4.0, 8.0], [4.0, 4.0]]
    assert values(again) == [[0.0, 2.0, 4.0], [2.0, 2.0]]
