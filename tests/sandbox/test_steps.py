"""Sequence steps in the sandbox: state kept in the worker between calls, dicts on
the wire both ways, and hidden dict keys reduced to the grader's own."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from normkatas.sandbox import Sandbox
from normkatas.sandbox.codec import decode_outcome, hidden_reduction
from normkatas.sandbox.types import (
    ArrayValue,
    Call,
    CallOutcome,
    Carried,
    DictValue,
    Job,
    Limits,
    OtherValue,
    RunOutcome,
    SequenceValue,
    Step,
)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX only")

FAST = Limits(timeout=5.0, probe_timeout=1.0)
LAYER = """
import numpy as np

SEEN = []

class Secret:
    def __repr__(self):
        SEEN.append("repr")
        return "the cache's own text"

def forward(x, p):
    p["count"] = p.get("count", 0) + 1
    p["total"] = p.get("total", 0.0) + x.sum()
    return x * 2, (x, Secret())

def backward(dout, cache):
    x, _ = cache
    return dout * x
"""
FORWARD = Step("forward", 2, (("out", 0), ("arg", "p")), keys=frozenset({"count", "total"}))


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(mode="fork") as sb:
        yield sb


def _file(tmp_path: Path, source: str = LAYER) -> Path:
    path = tmp_path / "layer.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def _calls() -> list[Call]:
    x = np.arange(4.0)
    carry_p = {"p": Carried("s0", "arg", "p")}
    return [
        Call("s0", {"x": x, "p": {"mode": "train"}}, step=FORWARD),
        Call("s1", {"x": x + 1}, step=Step("forward", 2, FORWARD.send, carry_p, FORWARD.keys)),
        Call("s2", {"dout": np.ones(4)},
             step=Step("backward", 1, (("out", 0),), {"cache": Carried("s1", "out", index=1)})),
    ]


def _array(value: object) -> np.ndarray:
    assert isinstance(value, ArrayValue) and value.array is not None
    return value.array


def test_a_dict_updated_in_place_and_a_cache_stay_in_the_worker(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    outcome = sandbox.run(Job(_file(tmp_path), "forward", _calls(), FAST))
    assert outcome.status == "ok", outcome
    _, second, third = outcome.calls
    assert isinstance(second.value, SequenceValue)
    out, p = second.value.items
    np.testing.assert_array_equal(_array(out), 2 * (np.arange(4.0) + 1))
    assert isinstance(p, DictValue)
    assert _array(p.get("count")) == 2  # the same dict, carried from the first call
    assert _array(p.get("total")) == 6.0 + 10.0
    assert isinstance(p.get("mode"), OtherValue)  # text is not an array
    # the cache of the second call reached the backward pass, and nothing of it came back
    assert isinstance(third.value, SequenceValue)
    np.testing.assert_array_equal(_array(third.value.items[0]), np.arange(4.0) + 1)
    assert "the cache's own text" not in repr(outcome)


def test_a_step_whose_source_failed_is_not_run(sandbox: Sandbox, tmp_path: Path) -> None:
    source = LAYER.replace("    p[\"count\"]", "    if 'fail' in p: raise ValueError('no')\n"
                                               "    p[\"count\"]")
    calls = _calls()
    calls[0] = Call("s0", {"x": np.arange(4.0), "p": {"fail": 1.0}}, step=FORWARD)
    outcome = sandbox.run(Job(_file(tmp_path, source), "forward", calls, FAST))
    assert [c.status for c in outcome.calls] == ["exception", "not-run", "not-run"]


def test_a_missing_function_is_the_steps_exception(sandbox: Sandbox, tmp_path: Path) -> None:
    source = LAYER.replace("def backward(", "def backwards(")
    outcome = sandbox.run(Job(_file(tmp_path, source), "forward", _calls(), FAST))
    assert [c.status for c in outcome.calls] == ["ok", "ok", "exception"]
    exc = outcome.calls[2].exception
    assert exc is not None and "backward" in exc.message


def test_outputs_that_do_not_unpack_come_back_whole(sandbox: Sandbox, tmp_path: Path) -> None:
    source = LAYER.replace("return x * 2, (x, Secret())", "return x * 2")
    outcome = sandbox.run(Job(_file(tmp_path, source), "forward", _calls(), FAST))
    assert isinstance(outcome.calls[0].value, ArrayValue)  # not the (out, p) selection
    assert outcome.calls[2].status == "not-run"  # its cache never existed


def test_hidden_dict_keys_are_the_graders_own() -> None:
    job = Job(Path("x.py"), "forward", _calls(), hidden=True)
    reduce = hidden_reduction(job)
    assert reduce is not None
    value = SequenceValue("tuple", (DictValue((
        ("count", ArrayValue(np.array(1.0), (), "<f8")),
        ("x0=0.4967", ArrayValue(np.array(1.0), (), "<f8")),
    )),))
    reduced = reduce(RunOutcome("ok", (CallOutcome("s0", "ok", value),)))
    item = reduced.calls[0].value
    assert isinstance(item, SequenceValue) and isinstance(item.items[0], DictValue)
    assert [k for k, _ in item.items[0].items] == ["count"]


def test_a_forged_dict_is_a_crashed_run() -> None:
    header = {
        "status": "ok", "stdout": [0, 0], "stderr": [0, 0], "stdout_total": 0,
        "stderr_total": 0,
        "calls": [{"status": "ok", "base": 0, "size": 0,
                   "value": {"t": "dict", "items": [[1, {"t": "none"}]]}}],
    }
    outcome = decode_outcome(header, b"", ["s0"])
    assert outcome.status == "crashed"
