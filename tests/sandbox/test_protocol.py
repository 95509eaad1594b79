"""Units of the sandbox's wire format: framing, argument and result codecs.

No process is started here; see test_sandbox.py and test_hostile.py for that.
"""

from __future__ import annotations

import json
import math
import os
import signal
import socket
import struct
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from normkatas.sandbox import capture, codec
from normkatas.sandbox.protocol import (
    MAGIC,
    PREFIX,
    FrameReader,
    ProtocolError,
    encode_frame,
    recv_frame,
    send_frame,
    write_frame,
)
from normkatas.sandbox.types import (
    ArrayValue,
    Call,
    DictValue,
    Job,
    NoneValue,
    OtherValue,
    SequenceValue,
)


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    a, b = socket.socketpair()
    with a, b:
        yield a, b


def _raw_frame(header_len: int, payload_len: int, magic: bytes = MAGIC) -> bytes:
    return PREFIX.pack(magic, header_len, payload_len)


# -- framing ------------------------------------------------------------------------


def test_frame_round_trip(pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    data = np.arange(10, dtype=np.float64)
    send_frame(a, {"op": "x", "text": "ünï <b>"}, [data.data, b"tail"])
    frame = recv_frame(b, 1000)
    assert frame is not None
    header, payload = frame
    assert header == {"op": "x", "text": "ünï <b>"}
    assert bytes(payload) == data.tobytes() + b"tail"


def test_recv_frame_end_of_stream(pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    a.close()
    assert recv_frame(b, 10) is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (_raw_frame(2, 0, magic=b"XXXX") + b"{}", "magic"),
        (_raw_frame(2, 10**12) + b"{}", "payload"),
        (_raw_frame(2**31, 0), "header"),
        (_raw_frame(2, 0) + b"[]", "not an object"),
        (_raw_frame(3, 0) + b"{x}", "bad frame header"),
    ],
)
def test_recv_frame_rejects_lies(
    pair: tuple[socket.socket, socket.socket], raw: bytes, message: str
) -> None:
    a, b = pair
    a.sendall(raw)
    with pytest.raises(ProtocolError, match=message):
        recv_frame(b, 1000)


def test_recv_frame_truncated(pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    a.sendall(_raw_frame(2, 100) + b"{}" + b"short")
    a.close()
    with pytest.raises(ProtocolError, match="middle"):
        recv_frame(b, 1000)


def test_frame_reader_byte_by_byte() -> None:
    buffers = encode_frame({"type": "a"}, [b"xyz"]) + encode_frame({"type": "b"})
    stream = b"".join(bytes(x) for x in buffers)
    r, w = os.pipe()
    os.set_blocking(r, False)
    reader = FrameReader(max_payload=100)
    try:
        for i in range(len(stream)):
            os.write(w, stream[i : i + 1])
            assert reader.read_from(r)
        os.close(w)
        w = -1
        assert not reader.read_from(r)
    finally:
        os.close(r)
        if w != -1:
            os.close(w)
    assert [(h["type"], bytes(p)) for h, p in reader.frames] == [("a", b"xyz"), ("b", b"")]
    assert reader.idle


def test_frame_reader_budget_is_for_the_whole_stream() -> None:
    r, w = os.pipe()
    os.set_blocking(r, False)
    reader = FrameReader(max_payload=5)
    try:
        write_frame(w, {"type": "a"}, [b"abc"])
        write_frame(w, {"type": "b"}, [b"abc"])
        assert reader.read_from(r)  # prefix
        while len(reader.frames) < 1:
            reader.read_from(r)
        with pytest.raises(ProtocolError, match="payload"):
            for _ in range(10):
                reader.read_from(r)
    finally:
        os.close(r)
        os.close(w)


# -- arguments: grader -> worker ------------------------------------------------------


def _decode_all(job: Job) -> list[dict[str, Any]]:
    header, parts = codec.encode_job(job)
    payload = memoryview(b"".join(bytes(p) for p in parts))
    header = json.loads(json.dumps(header))  # what actually crosses the wire
    return [
        {k: codec.decode_arguments(v, payload) for k, v in c["kwargs"].items()}
        for c in header["calls"]
    ]


def test_arguments_round_trip() -> None:
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    kwargs = {
        "X": x[:, ::2, :],  # not contiguous
        "big_endian": np.arange(3, dtype=">i4"),
        "empty": np.zeros((0, 3)),
        "flags": np.array([True, False]),
        "c": np.array([1 + 2j]),
        "eps": 1e-5,
        "nan": float("nan"),
        "n": 3,
        "training": True,
        "nothing": None,
        "name": "ünï",
        "np_eps": np.float32(0.5),
        "shape": (2, [3, np.int64(4)]),
    }
    (got,) = _decode_all(Job(Path("s.py"), "f", [Call("k", kwargs)]))
    np.testing.assert_array_equal(got["X"], x[:, ::2, :])
    assert got["X"].dtype == np.float32 and not got["X"].flags.writeable
    assert got["big_endian"].dtype == np.dtype(">i4")
    assert got["empty"].shape == (0, 3)
    assert got["flags"].dtype == np.bool_
    assert got["c"][0] == 1 + 2j
    assert got["eps"] == 1e-5 and math.isnan(got["nan"])
    assert got["n"] == 3 and type(got["n"]) is int
    assert got["training"] is True and got["nothing"] is None and got["name"] == "ünï"
    assert type(got["np_eps"]) is np.float32 and got["np_eps"] == 0.5
    assert got["shape"] == (2, [3, 4]) and type(got["shape"][1][1]) is np.int64


def test_fresh_copy_is_writable_and_independent() -> None:
    call = Call("k", {"X": np.ones(3), "t": (np.ones(2),)})
    (got,) = _decode_all(Job(Path("s.py"), "f", [call]))
    copy = {k: codec.fresh_copy(v) for k, v in got.items()}
    copy["X"][0] = 5
    copy["t"][0][0] = 5
    assert got["X"][0] == 1 and got["t"][0][0] == 1


@pytest.mark.parametrize("bad", [np.array([object()]), np.array(["a"]), {"a": object()}, object()])
def test_encode_job_refuses_what_it_cannot_send(bad: Any) -> None:
    with pytest.raises(TypeError):
        codec.encode_job(Job(Path("s.py"), "f", [Call("k", {"x": bad})]))


def test_encode_job_sends_an_absolute_path() -> None:
    header, _ = codec.encode_job(Job(Path("relative/sub.py"), "f", []))
    assert os.path.isabs(header["submission"])


# -- results: worker -> grader ------------------------------------------------------------


def _encode(value: object, max_array: int = 10**9, budget: int = 10**9) -> tuple[Any, bytes]:
    enc = capture.ResultEncoder(max_array, budget)
    tree = enc.encode(value)
    return json.loads(json.dumps(tree)), b"".join(bytes(p) for p in enc.parts)


def _outcome(value_tree: Any, payload: bytes, status: str = "ok") -> tuple[dict[str, Any], bytes]:
    header = {
        "op": "outcome",
        "status": "ok",
        "calls": [
            {"status": status, "value": value_tree, "mutated": [], "duration": 0.1, "base": 0}
            | {"size": len(payload)}
        ],
        "error": None,
        "stdout": [len(payload), 0],
        "stderr": [len(payload), 0],
        "stdout_total": 0,
        "stderr_total": 0,
        "exit_code": 0,
        "signal": None,
        "defined_functions": [],
        "warnings": [],
        "duration": 0.2,
    }
    return header, payload


def _round_trip(value: object, **kw: int) -> Any:
    tree, payload = _encode(value, **kw)
    header, payload = _outcome(tree, payload)
    outcome = codec.decode_outcome(header, payload, ["k"])
    assert outcome.status == "ok", outcome.warnings
    return outcome.calls[0].value


class _Sub(np.ndarray):
    def __eq__(self, other: object) -> Any:
        return True

    def view(self, *a: Any, **k: Any) -> Any:
        raise RuntimeError("no")


class _BadRepr:
    def __repr__(self) -> str:
        raise RuntimeError("boom")


class _SlowRepr:
    def __repr__(self) -> str:
        while True:
            pass


def test_result_values() -> None:
    y = np.arange(6.0).reshape(2, 3)
    value = _round_trip((y, [np.float32(1.5), 2, True], None))
    assert isinstance(value, SequenceValue) and value.kind == "tuple"
    arr, lst, none = value.items
    assert isinstance(arr, ArrayValue) and arr.array is not None
    np.testing.assert_array_equal(arr.array, y)
    assert arr.array.flags.writeable and arr.dtype == "<f8" and arr.shape == (2, 3)
    assert isinstance(lst, SequenceValue) and lst.kind == "list"
    assert [getattr(i, "dtype", None) for i in lst.items] == ["<f4", "<i8", "|b1"]
    assert all(isinstance(i, ArrayValue) and i.shape == () for i in lst.items)
    assert none == NoneValue()


def test_subclass_becomes_plain_bytes() -> None:
    sub = np.zeros(3).view(_Sub)
    value = _round_trip(sub)
    assert isinstance(value, ArrayValue) and value.array is not None
    assert type(value.array) is np.ndarray
    np.testing.assert_array_equal(value.array, np.zeros(3))


def test_too_large_is_refused_without_copying() -> None:
    huge = np.broadcast_to(np.float64(1.0), (10**5, 10**5))  # 80 GB, if copied
    value = _round_trip(huge, max_array=10**6)
    assert value == ArrayValue(None, (10**5, 10**5), "<f8", "too-large")


def test_run_budget_refuses_once_spent() -> None:
    enc = capture.ResultEncoder(max_array=100, budget=120)
    assert "refused" not in enc.encode(np.zeros(10))
    assert enc.encode(np.zeros(10))["refused"] == "too-large"
    assert enc.budget == 40


@pytest.mark.parametrize(
    ("value", "dtype"), [(np.array([object()]), "|O"), (np.array(["ab"]), "<U2")]
)
def test_non_numeric_arrays_are_refused(value: np.ndarray, dtype: str) -> None:
    assert _round_trip(value) == ArrayValue(None, (1,), dtype, "not-numeric")


def test_other_values_and_hostile_repr() -> None:
    got = _round_trip({"a": 1})  # a dict with text keys: its values, one by one
    assert isinstance(got, DictValue) and [k for k, _ in got.items] == ["a"]
    assert isinstance(got.get("a"), ArrayValue)
    assert isinstance(_round_trip({1: "a"}), OtherValue)  # other keys: text only
    bad = _round_trip(_BadRepr())
    assert isinstance(bad, OtherValue) and bad.text == "<repr failed>"
    assert bad.type_name.endswith("_BadRepr")
    assert getattr(_round_trip("x" * 10_000), "text", "").endswith("…")


def test_slow_repr_is_cut_short() -> None:
    before = signal.getsignal(signal.SIGALRM)
    text = capture.safe_repr(_SlowRepr())
    assert text == "<repr failed>"
    assert signal.getsignal(signal.SIGALRM) == before


def test_sequences_are_bounded() -> None:
    deep: Any = 1.0
    for _ in range(20):
        deep = [deep]
    value = _round_trip(deep)
    depth = 0
    while isinstance(value, SequenceValue):
        value, depth = value.items[0], depth + 1
    assert isinstance(value, OtherValue) and depth == capture.MAX_DEPTH
    long = _round_trip(list(range(capture.MAX_ITEMS + 1)))
    assert isinstance(long, OtherValue) and "items" in long.text


# -- decode_outcome never trusts the message ---------------------------------------------


def _lie(**changes: Any) -> dict[str, Any]:
    tree = {"t": "array", "dtype": "<f8", "shape": [2], "off": 0, "n": 16}
    tree.update(changes)
    return tree


@pytest.mark.parametrize(
    "tree",
    [
        _lie(dtype="|O"),
        _lie(dtype="<U8"),
        _lie(dtype="<f3"),
        _lie(dtype="V16"),
        _lie(dtype=[["a", "<f8"]]),
        _lie(n=8),
        _lie(off=8),
        _lie(off=-8),
        _lie(shape=[3]),
        _lie(shape=[-2, -1]),
        _lie(shape=[True, 2]),
        _lie(shape=[1] * 100),
        _lie(shape="2"),
        {"t": "banana"},
        {"t": "seq", "kind": "set", "items": []},
        {"t": "seq", "kind": "list", "items": "abc"},
        [1, 2],
    ],
)
def test_lying_value_headers_make_a_crashed_run(tree: Any) -> None:
    header, payload = _outcome(tree, bytes(16))
    outcome = codec.decode_outcome(header, payload, ["k"])
    assert outcome.status == "crashed"
    assert outcome.calls[0].status == "not-run"
    assert "malformed" in outcome.warnings[0]


def test_too_deep_value_is_malformed() -> None:
    tree: Any = {"t": "none"}
    for _ in range(codec.MAX_DEPTH + 2):
        tree = {"t": "seq", "kind": "list", "items": [tree]}
    header, payload = _outcome(tree, b"")
    assert codec.decode_outcome(header, payload, ["k"]).status == "crashed"


@pytest.mark.parametrize(
    "change",
    [
        {"status": "passed"},
        {"calls": []},
        {"stdout": [0, 10**9]},
        {"stderr": [-1, 0]},
        {"stdout_total": -5},
        {"calls": [{"status": "ok", "base": 10**9, "size": 1}]},
        {"calls": [{"status": "great", "base": 0, "size": 0}]},
    ],
)
def test_lying_outcome_headers_make_a_crashed_run(change: dict[str, Any]) -> None:
    header, payload = _outcome({"t": "none"}, b"")
    header.update(change)
    outcome = codec.decode_outcome(header, payload, ["k"])
    assert outcome.status == "crashed" and outcome.calls[0].status == "not-run"


def test_lone_surrogates_and_escapes_become_valid_text() -> None:
    exc = {"type": "E", "message": "bad \udcff <script>\x1b[31m", "frames": [["f", 1, "g", "s"]]}
    header, payload = _outcome(None, b"", status="exception")
    header["calls"][0]["exception"] = exc
    outcome = codec.decode_outcome(header, payload, ["k"])
    info = outcome.calls[0].exception
    assert info is not None
    assert info.message == "bad ? <script>\x1b[31m"
    info.message.encode("utf-8")


# -- exceptions ---------------------------------------------------------------------------


def test_exception_frames_keep_only_the_student_file(tmp_path: Path) -> None:
    student = tmp_path / "student.py"
    student.write_text("import json\n\ndef f():\n    json.loads('{')\n", encoding="utf-8")
    namespace: dict[str, Any] = {}
    exec(compile(student.read_text(), str(student), "exec"), namespace)
    try:
        namespace["f"]()
    except ValueError as exc:
        info = capture.exception_info(exc, str(student), student.read_text().splitlines())
    assert info["type"] == "JSONDecodeError"
    assert info["frames"] == [[str(student), 4, "f", "json.loads('{')"]]


def test_syntax_error_info() -> None:
    try:
        compile("x = (1,\n", "/s.py", "exec")
    except SyntaxError as exc:
        info = capture.exception_info(exc, "/s.py", [])
    assert info["type"] == "SyntaxError" and info["line"] == 1 and info["column"] == 5
    assert info["source"] == "x = (1,"


def test_frame_prefix_matches_the_documented_layout() -> None:
    (first,) = encode_frame({"a": 1})
    magic, header_len, payload_len = struct.unpack("!4sIQ", bytes(first)[:16])
    assert (magic, header_len, payload_len) == (MAGIC, 7, 0)
    assert sys.byteorder in ("little", "big")
