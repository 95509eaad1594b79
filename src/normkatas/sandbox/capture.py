"""In the worker: what the student's function returned or raised, as JSON.

Runs in the student's process, on objects of the student's: it calls the
base-class methods rather than the object's own ones, bounds every size
(depth, length, bytes, text) and guards ``repr``/``str`` against raising or
hanging.  Refused arrays are never copied.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

import numpy as np

# Bound now: a submission that monkeypatches numpy must not change what we send.
_ndarray = np.ndarray
_generic = np.generic
_asarray = np.asarray
_ascontiguousarray = np.ascontiguousarray
_view = np.ndarray.view
_uint8 = np.uint8

NUMERIC_KINDS = "biufc"
TEXT_LIMIT = 2000
MESSAGE_LIMIT = 4000
MAX_DEPTH = 8
MAX_ITEMS = 1024
MAX_NODES = 4096
MAX_FRAMES = 40
GUARD_SECONDS = 1.0

T = TypeVar("T")


class _GuardTimeout(Exception):
    pass


def _on_alarm(signum: int, frame: object) -> None:
    raise _GuardTimeout


def guarded(fn: Callable[[], T], fallback: T, seconds: float = GUARD_SECONDS) -> T:
    """``fn()``, or ``fallback`` if it raises or runs longer than ``seconds`` (on Windows,
    which has no SIGALRM, the job's own time limit is the only bound)."""
    if sys.platform == "win32":
        try:
            return fn()
        except BaseException:
            return fallback
    previous: Any = None
    try:
        previous = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    except (ValueError, OSError):
        previous = None
    try:
        return fn()
    except BaseException:  # the student's __repr__ may raise anything, even SystemExit
        return fallback
    finally:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
            if previous is not None:
                signal.signal(signal.SIGALRM, previous)
        except (ValueError, OSError):
            pass


def clean(text: str, limit: int) -> str:
    if len(text) > limit:
        text = text[:limit] + "…"
    return text.encode("utf-8", "replace").decode("utf-8")


def type_name(obj: object) -> str:
    t = type(obj)

    def name() -> str:
        module = type.__dict__["__module__"].__get__(t)
        qual = type.__dict__["__qualname__"].__get__(t)
        return str(qual) if module == "builtins" else f"{module}.{qual}"

    return clean(guarded(name, "?"), 200)


def safe_repr(obj: object, limit: int = TEXT_LIMIT) -> str:
    return clean(guarded(lambda: str(repr(obj)), "<repr failed>"), limit)


class ResultEncoder:
    """Encodes one returned value; ``budget`` is the run-wide byte allowance left."""

    def __init__(self, max_array: int, budget: int) -> None:
        self.max_array = max_array
        self.budget = budget
        self.parts: list[memoryview] = []
        self.offset = 0
        self.nodes = 0

    def encode(self, obj: object, depth: int = 0) -> dict[str, Any]:
        self.nodes += 1
        t = type(obj)
        if obj is None:
            return {"t": "none"}
        if issubclass(t, _ndarray):
            return self._array(_view(obj, _ndarray))  # type: ignore[call-overload]
        if issubclass(t, _generic) or t in (bool, int, float, complex):
            arr = guarded(lambda: _asarray(obj), None)
            if arr is not None and arr.dtype.kind in NUMERIC_KINDS:
                return self._array(arr)
            return self._other(obj)
        if issubclass(t, (tuple, list)):
            return self._sequence(obj, depth)  # type: ignore[arg-type]
        if issubclass(t, dict):
            return self._dict(obj, depth)  # type: ignore[arg-type]
        return self._other(obj)

    def _dict(self, obj: dict[Any, Any], depth: int) -> dict[str, Any]:
        """A dict with text keys, read with dict's own methods (not the object's)."""
        size = dict.__len__(obj)
        if depth >= MAX_DEPTH or size > MAX_ITEMS or self.nodes + size > MAX_NODES:
            return {"t": "other", "type": type_name(obj), "text": f"a dict of {size} items"}
        keys = list(dict.keys(obj))
        if not all(type(k) is str for k in keys):
            return self._other(obj)
        items = [[clean(k, 200), self.encode(dict.__getitem__(obj, k), depth + 1)]
                 for k in keys]
        return {"t": "dict", "items": items}

    def _other(self, obj: object) -> dict[str, Any]:
        return {"t": "other", "type": type_name(obj), "text": safe_repr(obj)}

    def _sequence(self, obj: tuple[Any, ...] | list[Any], depth: int) -> dict[str, Any]:
        is_tuple = isinstance(obj, tuple)
        size = tuple.__len__(obj) if is_tuple else list.__len__(obj)  # type: ignore[arg-type]
        if depth >= MAX_DEPTH or size > MAX_ITEMS or self.nodes + size > MAX_NODES:
            kind = "tuple" if is_tuple else "list"
            return {"t": "other", "type": type_name(obj), "text": f"a {kind} of {size} items"}
        getitem: Callable[[Any, int], Any] = tuple.__getitem__ if is_tuple else list.__getitem__
        items = [self.encode(getitem(obj, i), depth + 1) for i in range(size)]
        return {"t": "seq", "kind": "tuple" if is_tuple else "list", "items": items}

    def _array(self, arr: np.ndarray) -> dict[str, Any]:
        dtype = arr.dtype
        entry: dict[str, Any] = {"t": "array", "dtype": dtype.str, "shape": list(arr.shape)}
        if dtype.kind not in NUMERIC_KINDS or dtype.fields is not None:
            entry["refused"] = "not-numeric"
            return entry
        nbytes = int(arr.size) * dtype.itemsize
        if nbytes > self.max_array or nbytes > self.budget:
            entry["refused"] = "too-large"
            return entry
        data = _view(_ascontiguousarray(arr).reshape(-1), _uint8).data
        self.budget -= nbytes
        self.parts.append(data)
        entry.update(off=self.offset, n=nbytes)
        self.offset += nbytes
        return entry


def _frames(tb: TracebackType | None, filename: str, lines: list[str]) -> list[list[Any]]:
    frames: list[list[Any]] = []
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename == filename:
            lineno = tb.tb_lineno or 0
            source = lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""
            frames.append([filename, lineno, code.co_name, clean(source, 400)])
        tb = tb.tb_next
    if len(frames) > MAX_FRAMES:
        half = MAX_FRAMES // 2
        frames = frames[:half] + frames[-half:]
    return frames


def exception_info(exc: BaseException, filename: str, lines: list[str]) -> dict[str, Any]:
    """Type, message and the frames in the student's file only."""
    info: dict[str, Any] = {
        "type": clean(type(exc).__name__, 200),
        "message": clean(guarded(lambda: str(exc), "<str() failed>"), MESSAGE_LIMIT),
        "frames": _frames(exc.__traceback__, filename, lines),
    }
    if isinstance(exc, SyntaxError):
        info["message"] = clean(str(exc.msg), MESSAGE_LIMIT)
        info["line"] = exc.lineno if isinstance(exc.lineno, int) else None
        info["column"] = exc.offset if isinstance(exc.offset, int) else None
        info["source"] = clean(str(exc.text or "").rstrip("\r\n"), 1000)
    return info
