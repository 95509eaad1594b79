"""Plain data vs the model's type annotations, with errors in plain words.

msgspec validates too (and constructs the objects), but it stops at the
first problem with a terse message and cannot name dict keys (``args[...]``).
This walk knows every key, suggests the close match for an unknown one and
forgives numbers written as text in number fields (``atol: "1e-5"``).
"""

from __future__ import annotations

import math
import re
import types
from collections.abc import Callable, Iterable
from functools import cache
from typing import Annotated, Any, Literal, NoReturn, Union, get_args, get_origin

import msgspec

from normkatas.spec import model

Path_ = tuple[str | int, ...]
Fail = Callable[[Path_, str], NoReturn]

_NUMBER_RE = re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")
_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_PATTERNS = {
    model.IDENTIFIER: "a Python name (letters, digits and _, not starting with a digit)",
    model.SLUG: "a slug: lowercase letters and digits joined by single dashes (batchnorm-bchw)",
    model.REFERENCE: "`module:function`, e.g. batchnorm_bchw:batch_normalization",
    r"^[A-Z]+$": "capital letters, one per axis (NCHW)",
}
_INT_LIMIT = 2**63


def close_matches(word: str, options: Iterable[str], n: int = 1, cutoff: float = 0.6) -> list[str]:
    """difflib's close matches (imported lazily: only error messages need it)."""
    import difflib

    return difflib.get_close_matches(word, list(options), n=n, cutoff=cutoff)


def format_path(path: Path_) -> str:
    """("cases", 2, "tolerance") -> "cases[2].tolerance"."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _KEY_RE.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]"
    return out


def describe_value(value: Any) -> str:
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, int):
        return f"the whole number {value}"
    if isinstance(value, float):
        return f"the number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the text {shown!r}"
    if value is None:
        return "nothing (null)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__} value"


def _split(tp: Any) -> tuple[Any, list[msgspec.Meta]]:
    if get_origin(tp) is Annotated:
        base, *extra = get_args(tp)
        base, inner = _split(base)
        return base, inner + [m for m in extra if isinstance(m, msgspec.Meta)]
    return tp, []


def _is_union(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType)


def _is_struct(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, msgspec.Struct)


def describe_type(tp: Any) -> str:
    tp, _ = _split(tp)
    if _is_union(tp):
        members = [m for m in get_args(tp) if m is not type(None)]
        if any(_split(m)[0] is float for m in members):
            members = [m for m in members if _split(m)[0] is not int]
        words = list(dict.fromkeys(describe_type(m) for m in members))
        return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
    if get_origin(tp) is Literal:
        return "one of " + ", ".join(repr(v) for v in get_args(tp))
    names = {float: "a number", int: "a whole number", str: "text", bool: "true or false",
             type(None): "null", Any: "anything"}
    if tp in names:
        return names[tp]
    if get_origin(tp) is list:
        return "a list"
    return "a mapping"


@cache
def _fields(cls: type) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Field name -> annotation, and the required names, of a Struct."""
    infos = msgspec.structs.fields(cls)
    required = tuple(
        f.encode_name for f in infos
        if f.default is msgspec.NODEFAULT and f.default_factory is msgspec.NODEFAULT
    )
    return {f.encode_name: f.type for f in infos}, required


@cache
def _plan(tp: Any) -> tuple[str, Any, tuple[msgspec.Meta, ...], Any]:
    """(kind, base annotation, constraints, item type) of an annotation, computed once."""
    base, metas = _split(tp)
    if base is Any:
        return "any", base, (), None
    if _is_union(base):
        return "union", base, tuple(metas), None
    if _is_struct(base):
        return "struct", base, tuple(metas), None
    origin = get_origin(base)
    if origin is list:
        (item,) = get_args(base) or (Any,)
        return "list", base, tuple(metas), item
    if origin is dict:
        return "dict", base, tuple(metas), get_args(base)[1]
    return "scalar", base, tuple(metas), None


def _pick(tp: Any, value: Any) -> Any | None:
    """The member of a union that a value of this kind should match."""
    members = [(m, _split(m)[0]) for m in get_args(tp)]

    def first(pred: Callable[[Any], bool]) -> Any | None:
        return next((m for m, base in members if pred(base)), None)

    if value is None:
        return first(lambda b: b is type(None))
    if isinstance(value, bool):
        return first(lambda b: b is bool)
    if isinstance(value, int):
        return first(lambda b: b is int) or first(lambda b: b is float)
    if isinstance(value, float):
        return first(lambda b: b is float)
    if isinstance(value, str):
        return (first(lambda b: b is str or get_origin(b) is Literal)
                or (first(lambda b: b is float) if _NUMBER_RE.match(value.strip()) else None))
    if isinstance(value, list):
        return first(lambda b: get_origin(b) is list)
    if isinstance(value, dict):
        return first(lambda b: _is_struct(b) or get_origin(b) is dict)
    return None


def _check_meta(
    value: Any, metas: tuple[msgspec.Meta, ...], path: Path_, fail: Fail
) -> None:
    for meta in metas:
        if meta.ge is not None and value < meta.ge:
            fail(path, f"must be {meta.ge} or more, got {value!r}")
        if meta.gt is not None and value <= meta.gt:
            fail(path, f"must be more than {meta.gt}, got {value!r}")
        if meta.le is not None and value > meta.le:
            fail(path, f"must be {meta.le} or less, got {value!r}")
        if meta.min_length is not None and len(value) < meta.min_length:
            fail(path, "must not be empty")
        if meta.pattern is not None and not re.search(meta.pattern, value):
            wanted = _PATTERNS.get(meta.pattern, f"text matching {meta.pattern}")
            fail(path, f"must be {wanted}, got {value!r}")


def _scalar(value: Any, tp: Any, path: Path_, fail: Fail) -> Any:
    def wrong(hint: str = "") -> NoReturn:
        fail(path, f"must be {describe_type(tp)}, got {describe_value(value)}{hint}")

    if tp is Any:
        return value
    if get_origin(tp) is Literal:
        options = get_args(tp)
        if value in options and not isinstance(value, bool):
            return value
        close = close_matches(str(value), [str(o) for o in options])
        wrong(f"; did you mean {close[0]!r}?" if close else "")
    if tp is bool:
        return value if isinstance(value, bool) else wrong()
    if tp is int:
        if not isinstance(value, int) or isinstance(value, bool):
            wrong()
        if abs(value) >= _INT_LIMIT:
            fail(path, f"is too large: {value}")
        return value
    if tp is float:
        if isinstance(value, str) and _NUMBER_RE.match(value.strip()):
            value = float(value)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            wrong()
        try:
            number = float(value)
        except OverflowError:
            fail(path, f"is too large: {value}")
        if not math.isfinite(number):
            fail(path, f"must be a finite number, got {number}")
        return number
    if tp is str:
        if isinstance(value, str):
            return value
        quote = isinstance(value, (int, float)) and not isinstance(value, bool)
        wrong(" (put it in quotes to make it text)" if quote else "")
    if tp is type(None):
        return None if value is None else wrong()
    raise TypeError(f"unsupported annotation {tp!r}")  # pragma: no cover


def conform(value: Any, tp: Any, path: Path_, fail: Fail) -> Any:
    """``value`` checked against ``tp``; numbers-as-text become floats."""
    kind, base, metas, item = _plan(tp)
    if kind == "any":
        return value
    if kind == "union":
        member = _pick(base, value)
        if member is None:
            fail(path, f"must be {describe_type(base)}, got {describe_value(value)}")
        out = conform(value, member, path, fail)
    elif kind == "struct":
        out = _struct(value, base, path, fail)
    elif kind == "list":
        if not isinstance(value, list):
            fail(path, f"must be a list, got {describe_value(value)}")
        if item is Any:
            out = value
        else:
            out = [conform(v, item, (*path, i), fail) for i, v in enumerate(value)]
    elif kind == "dict":
        if not isinstance(value, dict):
            fail(path, f"must be a mapping (key: value), got {describe_value(value)}")
        out = {k: conform(v, item, (*path, k), fail) for k, v in value.items()}
    else:
        out = _scalar(value, base, path, fail)
    if metas:
        _check_meta(out, metas, path, fail)
    return out


def _struct(value: Any, cls: type, path: Path_, fail: Fail) -> dict[str, Any]:
    if not isinstance(value, dict):
        fail(path, f"must be a mapping (key: value), got {describe_value(value)}")
    fields, required = _fields(cls)

    def where() -> str:
        return f"in {format_path(path)}" if path else "at the top level"

    for key in value:
        if key not in fields:
            close = close_matches(key, fields)
            hint = (f"did you mean `{close[0]}`?" if close
                    else "expected one of: " + ", ".join(f"`{f}`" for f in fields))
            fail((*path, key), f"unknown key `{key}` {where()}; {hint}")
    for name in required:
        if name not in value:
            fail(path, f"missing required key `{name}` {where()}")
    return {k: conform(v, fields[k], (*path, k), fail) for k, v in value.items()}
