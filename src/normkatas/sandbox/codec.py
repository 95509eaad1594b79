"""Values on the wire: call arguments out, results back (JSON + raw bytes).

Grader side: :func:`encode_job` and :func:`decode_outcome` (which validates
everything the student's process could have forged: dtypes, shapes, byte
counts, offsets).  Worker side: :func:`decode_arguments`.
"""

from __future__ import annotations

import base64
import dataclasses
import errno
import math
import os
import re
import stat
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast, get_args

import numpy as np

from normkatas.sandbox.protocol import Buffer, Header, dumps, encode_frame
from normkatas.sandbox.types import (
    ArrayValue,
    Call,
    CallOutcome,
    CallStatus,
    DictValue,
    ExceptionInfo,
    Job,
    NoneValue,
    OtherValue,
    RunOutcome,
    RunStatus,
    SequenceValue,
    Step,
    TraceFrame,
    Value,
)

# Bound now: the worker decodes arguments after the submission ran its import.
_frombuffer = np.frombuffer
_empty = np.empty
_dtype = np.dtype
_ndarray = np.ndarray

NUMERIC_KINDS = "biufc"
MAX_DEPTH = 16
MAX_DIMS = 64
MAX_DICT_ITEMS = 1024
_DTYPE_RE = re.compile(r"[<>|=]?[biufc][0-9]{1,2}")
_CALL_STATUSES = frozenset(get_args(CallStatus))
_RUN_STATUSES = frozenset(get_args(RunStatus))


class MalformedError(ValueError):
    """A result message that does not describe what it claims."""


# -- grader -> worker: the job ------------------------------------------------


_ENCODED: dict[int, tuple[tuple[Call, ...], list[dict[str, Any]], list[Buffer]]] = {}
"""Encoded call tuples, by identity: a class sends the same calls to every student."""
_ENCODED_MAX = 16
_CALLS_JSON: dict[int, tuple[list[dict[str, Any]], bytes]] = {}
"""The JSON of the remembered encodings' calls (a class sends the same calls to every
student: encoded once)."""


def encode_job(job: Job, *, same_calls: bool = False) -> tuple[Header, list[Buffer]]:
    """The job as a frame header and payload parts (arrays as raw bytes).

    When ``job.calls`` is a tuple, its encoding is remembered (by identity) and
    reused for the next job with the very same tuple.  ``same_calls``: the fork
    server already has these calls (its previous job's): only the rest is sent.
    """
    header: Header = {
        "op": "run",
        "submission": os.path.abspath(job.submission),
        "entry": job.entry,
        "limits": dataclasses.asdict(job.limits),
        "hidden": job.hidden,
    }
    if job.then is not None:
        header["then_limits"] = dataclasses.asdict(job.then.limits)
    try:
        header["source"] = base64.b64encode(read_source(job.submission)).decode("ascii")
    except OSError as exc:
        header["source_error"] = [exc.errno or errno.EIO, exc.strerror or str(exc)]
    if same_calls:
        header["same_calls"] = True
        return header, []
    calls, parts = _encode_calls(job.calls)
    header["calls"] = calls
    return header, list(parts)


def job_frame(header: Header, parts: Sequence[Buffer]) -> list[Buffer]:
    """The frame that carries an encoded job (`encode_job`, `encode_next`): the calls'
    JSON is reused when the calls were encoded before."""
    calls = header.get("calls")
    known = _CALLS_JSON.get(id(calls))
    if known is None or known[0] is not calls:
        return encode_frame(header, parts)
    return encode_frame(header, parts, known=("calls", known[1]))


def encode_next(job: Job) -> tuple[Header, list[Buffer]]:
    """A job's ``then``, for the process that ran the job: its calls, no source."""
    calls, parts = _encode_calls(job.calls)
    header: Header = {
        "op": "next",
        "limits": dataclasses.asdict(job.limits),
        "hidden": job.hidden,
        "calls": calls,
    }
    return header, list(parts)


def _encode_calls(job_calls: Sequence[Call]) -> tuple[list[dict[str, Any]], list[Buffer]]:
    if isinstance(job_calls, tuple):
        known = _ENCODED.get(id(job_calls))
        if known is not None and known[0] is job_calls:
            return known[1], known[2]
    parts: list[Buffer] = []
    offset = 0

    def array(arr: np.ndarray, kind: str) -> dict[str, Any]:
        nonlocal offset
        if not arr.flags.c_contiguous:
            arr = arr.copy(order="C")  # (np.ascontiguousarray would make 0-d arrays 1-d)
        if arr.dtype.kind not in NUMERIC_KINDS or arr.dtype.fields is not None:
            raise TypeError(f"cannot send an array of dtype {arr.dtype} to the sandbox")
        data = arr.reshape(-1).view(np.uint8).data
        parts.append(data)
        entry = {"t": kind, "dtype": arr.dtype.str, "shape": list(arr.shape)}
        entry.update(off=offset, n=arr.nbytes)
        offset += arr.nbytes
        return entry

    def value(v: Any, depth: int) -> dict[str, Any]:
        if depth > MAX_DEPTH:
            raise TypeError("call argument nested too deeply")
        if isinstance(v, np.ndarray):
            return array(v, "array")
        if isinstance(v, np.generic):
            return array(np.asarray(v), "npscalar")
        if v is None or isinstance(v, (bool, int, float, str)):
            return {"t": "py", "v": v}
        if isinstance(v, (tuple, list)):
            kind = "tuple" if isinstance(v, tuple) else "list"
            return {"t": "seq", "kind": kind, "items": [value(x, depth + 1) for x in v]}
        if isinstance(v, dict):
            return {"t": "dict", "items": [[str(k), value(x, depth + 1)] for k, x in v.items()]}
        raise TypeError(f"cannot send a {type(v).__name__} to the sandbox")

    calls = [
        {
            "key": c.key,
            "group": c.group,
            "kwargs": {str(k): value(v, 0) for k, v in c.kwargs.items()},
            **({"discard": True} if c.discard else {}),
            **({"repeat": c.repeat, "fast_enough": c.fast_enough} if c.repeat != 1 else {}),
            **({"max_bytes": int(c.max_result_bytes)} if c.max_result_bytes is not None else {}),
            **({"step": _encode_step(c.step)} if c.step is not None else {}),
        }
        for c in job_calls
    ]
    if isinstance(job_calls, tuple):
        while len(_ENCODED) >= _ENCODED_MAX:
            _ENCODED.pop(next(iter(_ENCODED)))
        _ENCODED[id(job_calls)] = (job_calls, calls, parts)
        _CALLS_JSON[id(calls)] = (calls, dumps(calls))
        while len(_CALLS_JSON) > _ENCODED_MAX:
            _CALLS_JSON.pop(next(iter(_CALLS_JSON)))
    return calls, parts


def _encode_step(step: Step) -> dict[str, Any]:
    return {
        "function": step.function,
        "outputs": step.outputs,
        "send": [[kind, what] for kind, what in step.send],
        "carry": {name: [c.call, c.kind, c.name, c.index] for name, c in step.carry.items()},
    }


MAX_SOURCE_BYTES = 4 * 1024 * 1024


def read_source(path: str | os.PathLike[str], limit: int = MAX_SOURCE_BYTES) -> bytes:
    """The submission's bytes, read by the grader: a regular file, not through a
    symbolic link (a submission must not be a link to a reference), at most ``limit``."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            size += len(chunk)
        raise OSError(errno.EFBIG, f"larger than {limit // (1024 * 1024)} MB")
    finally:
        os.close(fd)


# -- worker side: arguments back into objects -----------------------------------


def decode_arguments(spec: Mapping[str, Any], payload: memoryview) -> Any:
    """One argument as a template: read-only arrays (copy them per call)."""
    kind = spec["t"]
    if kind == "py":
        return spec["v"]
    if kind == "seq":
        items = [decode_arguments(x, payload) for x in spec["items"]]
        return tuple(items) if spec["kind"] == "tuple" else items
    if kind == "dict":
        return {str(k): decode_arguments(x, payload) for k, x in spec["items"]}
    dtype = _dtype(spec["dtype"])
    shape = tuple(spec["shape"])
    count = math.prod(shape)
    if count == 0:
        arr = _empty(shape, dtype)
    else:
        arr = _frombuffer(payload, dtype, count, spec["off"]).reshape(shape)
    arr.flags.writeable = False
    return arr[()] if kind == "npscalar" else arr


def fresh_copy(template: Any) -> Any:
    """A fresh argument from a template: arrays copied, sequences rebuilt."""
    if isinstance(template, _ndarray):
        return template.copy()
    if isinstance(template, (tuple, list)):
        items = [fresh_copy(x) for x in template]
        return tuple(items) if isinstance(template, tuple) else items
    if isinstance(template, dict):
        return {k: fresh_copy(x) for k, x in template.items()}
    return template


# -- worker -> grader: the outcome -------------------------------------------------


def _get(obj: Any, key: str, types: type | tuple[type, ...], optional: bool = False) -> Any:
    if not isinstance(obj, dict):
        raise MalformedError(f"expected an object around {key!r}")
    value = obj.get(key)
    if value is None and optional:
        return None
    if isinstance(value, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
        raise MalformedError(f"{key!r} has the wrong type")
    if not isinstance(value, types):
        raise MalformedError(f"{key!r} has the wrong type")
    return value


def clean_text(text: str, limit: int = 100_000) -> str:
    """Valid UTF-8 text (lone surrogates replaced), at most ``limit`` characters."""
    return text[:limit].encode("utf-8", "replace").decode("utf-8")


def _text(obj: Any, key: str, optional: bool = False) -> str:
    value = _get(obj, key, str, optional)
    return "" if value is None else clean_text(value)


def _count(obj: Any, key: str) -> int:
    value = _get(obj, key, int)
    if value < 0:
        raise MalformedError(f"{key!r} is negative")
    return cast(int, value)


def array_dtype(text: str) -> np.dtype[Any]:
    if not _DTYPE_RE.fullmatch(text):
        raise MalformedError(f"dtype {text[:40]!r} is not a numeric dtype")
    try:
        dtype = np.dtype(text)
    except TypeError:
        raise MalformedError(f"dtype {text!r} is not understood") from None
    if dtype.kind not in NUMERIC_KINDS:
        raise MalformedError(f"dtype {text!r} is not numeric")
    return dtype


def _shape(obj: Any) -> tuple[int, ...]:
    shape = _get(obj, "shape", list)
    if len(shape) > MAX_DIMS or not all(type(d) is int and d >= 0 for d in shape):
        raise MalformedError("bad array shape")
    return tuple(shape)


def _decode_value(obj: Any, region: memoryview, depth: int) -> Value:
    if depth > MAX_DEPTH:
        raise MalformedError("value nested too deeply")
    kind = _get(obj, "t", str)
    if kind == "none":
        return NoneValue()
    if kind == "other":
        return OtherValue(_text(obj, "type"), _text(obj, "text"))
    if kind == "seq":
        seq_kind = _get(obj, "kind", str)
        if seq_kind not in ("tuple", "list"):
            raise MalformedError("bad sequence kind")
        items = tuple(_decode_value(x, region, depth + 1) for x in _get(obj, "items", list))
        return SequenceValue(seq_kind, items)
    if kind == "dict":
        pairs = []
        for pair in _get(obj, "items", list)[:MAX_DICT_ITEMS]:
            if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
                raise MalformedError("bad dict item")
            pairs.append((clean_text(pair[0], 200), _decode_value(pair[1], region, depth + 1)))
        return DictValue(tuple(pairs))
    if kind != "array":
        raise MalformedError(f"unknown value kind {kind[:40]!r}")
    shape = _shape(obj)
    dtype_text = _text(obj, "dtype")
    refused = _text(obj, "refused", optional=True)
    if refused:
        return ArrayValue(None, shape, dtype_text[:64], refused[:200])
    dtype = array_dtype(dtype_text)
    offset, nbytes = _count(obj, "off"), _count(obj, "n")
    count = math.prod(shape)
    if count * dtype.itemsize != nbytes or offset + nbytes > region.nbytes:
        raise MalformedError("array byte count does not match its header")
    if count == 0:
        array = np.empty(shape, dtype)
    else:
        array = np.frombuffer(region, dtype, count, offset).reshape(shape).copy()
    return ArrayValue(array, shape, dtype.str)


def _decode_exception(obj: Any) -> ExceptionInfo | None:
    if obj is None:
        return None
    frames = []
    for f in _get(obj, "frames", list)[:200]:
        if not (isinstance(f, list) and len(f) == 4):
            raise MalformedError("bad traceback frame")
        file, line, function, source = f
        if not (isinstance(file, str) and type(line) is int and isinstance(function, str)):
            raise MalformedError("bad traceback frame")
        source = clean_text(source, 1000) if isinstance(source, str) else ""
        frames.append(TraceFrame(clean_text(file, 4096), line, clean_text(function, 200), source))
    line, column = obj.get("line"), obj.get("column")
    return ExceptionInfo(
        type=_text(obj, "type")[:200],
        message=_text(obj, "message"),
        frames=tuple(frames),
        line=line if type(line) is int else None,
        column=column if type(column) is int else None,
        source=_text(obj, "source", optional=True)[:1000],
    )


def _decode_call(obj: Any, key: str, payload: memoryview) -> CallOutcome:
    status = _get(obj, "status", str)
    if status not in _CALL_STATUSES:
        raise MalformedError("bad call status")
    base, size = _count(obj, "base"), _count(obj, "size")
    if base + size > payload.nbytes:
        raise MalformedError("call payload outside the message")
    region = payload[base : base + size]
    raw_value = obj.get("value")
    value = None if raw_value is None else _decode_value(raw_value, region, 0)
    mutated = _get(obj, "mutated", list, optional=True) or []
    if not all(isinstance(m, str) for m in mutated):
        raise MalformedError("bad mutated list")
    duration = obj.get("duration", 0.0)
    return CallOutcome(
        key=key,
        status=cast(CallStatus, status),
        value=value,
        exception=_decode_exception(obj.get("exception")),
        mutated=tuple(clean_text(m, 200) for m in mutated[:100]),
        duration=float(duration) if isinstance(duration, (int, float)) else 0.0,
    )


def _output(header: Header, name: str, payload: memoryview) -> bytes:
    span = _get(header, name, list)
    if len(span) != 2 or not all(type(x) is int and x >= 0 for x in span):
        raise MalformedError(f"bad {name} span")
    start, size = span
    if start + size > payload.nbytes:
        raise MalformedError(f"{name} outside the message")
    return bytes(payload[start : start + size])


def _optional_int(header: Header, key: str) -> int | None:
    value = header.get(key)
    return value if type(value) is int else None


def decode_outcome(header: Header, payload: Buffer, keys: Sequence[str]) -> RunOutcome:
    """Rebuild a RunOutcome; a malformed message becomes a "crashed" run."""
    view = memoryview(payload).cast("B")
    stdout = stderr = b""
    try:
        stdout = _output(header, "stdout", view)
        stderr = _output(header, "stderr", view)
        raw_calls = _get(header, "calls", list)
        if len(raw_calls) != len(keys):
            raise MalformedError("wrong number of calls")
        calls = tuple(_decode_call(c, k, view) for c, k in zip(raw_calls, keys, strict=True))
        status = _get(header, "status", str)
        if status not in _RUN_STATUSES:
            raise MalformedError("bad run status")
        defined = _get(header, "defined_functions", list, optional=True) or []
        warnings = _get(header, "warnings", list, optional=True) or []
        duration = header.get("duration", 0.0)
        return RunOutcome(
            status=cast(RunStatus, status),
            calls=calls,
            error=_decode_exception(header.get("error")),
            stdout=stdout,
            stderr=stderr,
            stdout_total=_count(header, "stdout_total"),
            stderr_total=_count(header, "stderr_total"),
            exit_code=_optional_int(header, "exit_code"),
            signal=_optional_int(header, "signal"),
            defined_functions=tuple(clean_text(str(d), 200) for d in defined[:1000]),
            warnings=tuple(clean_text(str(w), 2000) for w in warnings[:100]),
            duration=float(duration) if isinstance(duration, (int, float)) else 0.0,
        )
    except (MalformedError, ValueError, TypeError, OverflowError, MemoryError) as exc:
        return RunOutcome(
            status="crashed",
            calls=tuple(CallOutcome(k, "not-run") for k in keys),
            stdout=stdout,
            stderr=stderr,
            warnings=(f"malformed result from the sandbox: {exc}",),
        )


_BUILTIN_EXCEPTIONS = frozenset(
    name for name, value in vars(__import__("builtins")).items()
    if isinstance(value, type) and issubclass(value, BaseException)
)


def _redact_value(value: Value | None, keys: frozenset[str] = frozenset()) -> Value | None:
    """No text of the submission's: reprs go, and of a dict only the keys the grader
    reads stay (a key is text the submission chose)."""
    if isinstance(value, OtherValue):
        name = value.type_name if value.type_name in ("str", "dict", "set", "bytes") else "object"
        return OtherValue(name)
    if isinstance(value, SequenceValue):
        items = tuple(_redact_value(v, keys) or NoneValue() for v in value.items)
        return dataclasses.replace(value, items=items)
    if isinstance(value, DictValue):
        return DictValue(tuple(
            (k, _redact_value(v, keys) or NoneValue()) for k, v in value.items if k in keys
        ))
    return value


def hidden_reduction(job: Job) -> Callable[[RunOutcome], RunOutcome] | None:
    """How the grader reduces `job`'s outcome before anything reads it: `redact_hidden`
    with the job's own performance calls and argument names; None for a visible job."""
    if not job.hidden:
        return None
    timed = frozenset(c.key for c in job.calls if c.group == "performance")
    names = frozenset(name for c in job.calls for name in c.kwargs)
    keys = frozenset(k for c in job.calls if c.step is not None for k in c.step.keys)
    return lambda outcome: redact_hidden(outcome, timed, names, keys)


def redact_hidden(
    outcome: RunOutcome,
    timed: frozenset[str] = frozenset(),
    arg_names: frozenset[str] = frozenset(),
    dict_keys: frozenset[str] = frozenset(),
) -> RunOutcome:
    """A hidden job's outcome: its arrays and statuses, nothing the submission wrote
    (output, warnings, messages, frames, names); durations only for performance calls
    (their score needs them); which arguments it changed in place (a verdict needs
    it), as the grader's own argument names, never as text the submission sent."""

    def call(c: CallOutcome) -> CallOutcome:
        exc = c.exception
        if exc is not None:
            kind = exc.type if exc.type in _BUILTIN_EXCEPTIONS else "Exception"
            exc = ExceptionInfo(type=kind, message="")
        duration = c.duration if c.key in timed else 0.0
        mutated = tuple(sorted(arg_names.intersection(c.mutated)))
        value = _redact_value(c.value, dict_keys)
        return CallOutcome(c.key, c.status, value, exc, mutated, duration)

    error = outcome.error
    if error is not None:
        error = ExceptionInfo(
            type=error.type if error.type in _BUILTIN_EXCEPTIONS else "Exception", message=""
        )
    return RunOutcome(
        status=outcome.status,
        calls=tuple(call(c) for c in outcome.calls),
        error=error,
        exit_code=outcome.exit_code,
        signal=outcome.signal,
    )
