"""In the worker: the calls of sequence cases, whose state stays in the process.

A step may call another function of the submission, take arguments from
earlier calls of the same job (their outputs, or a dict they updated in
place) and send back only chosen results.  What later calls read is kept
here, in the student's process; opaque values (a cache) never reach the
channel.  The grader's side of this is `normkatas.sandbox.types.Step`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any

_tuple_len = tuple.__len__
_list_len = list.__len__
_tuple_item = tuple.__getitem__
_list_item = list.__getitem__


class StepError(Exception):
    """A step cannot be made (a function is missing); reported as the call's exception."""


class NotRun(Exception):
    """An earlier call this step reads from did not finish."""


def needed(calls: Sequence[Mapping[str, Any]]) -> set[str]:
    """Keys of the calls whose results later calls read."""
    keys = set()
    for call in calls:
        step = call.get("step")
        if isinstance(step, dict):
            for source in dict(step.get("carry") or {}).values():
                keys.add(str(source[0]))
    return keys


def function(module: ModuleType | None, name: str, entry: Any) -> Any:
    """The submission's function ``name`` (the entry point when it is the same)."""
    fn = vars(module).get(name) if module is not None else None
    if fn is None and module is None:
        fn = entry
    if not callable(fn):
        raise StepError(f"the submission defines no function {name!r}")
    return fn


def output(value: Any, index: int, count: int) -> Any:
    """Output number ``index`` of a function that returns ``count`` values."""
    if count == 1:
        return value
    t = type(value)
    if issubclass(t, tuple) and _tuple_len(value) == count:
        return _tuple_item(value, index)
    if issubclass(t, list) and _list_len(value) == count:
        return _list_item(value, index)
    raise NotRun


def carried(kept: Mapping[str, tuple[Any, dict[str, Any], int]],
            carry: Mapping[str, Any]) -> dict[str, Any]:
    """The carried arguments of a step, from what earlier calls left; `NotRun` when
    one of them did not finish or returned something else than its outputs."""
    out = {}
    for name, (key, kind, arg, index) in carry.items():
        if key not in kept:
            raise NotRun
        value, kwargs, count = kept[key]
        out[str(name)] = kwargs[arg] if kind == "arg" else output(value, int(index), count)
    return out


def select(value: Any, kwargs: Mapping[str, Any], send: Sequence[Sequence[Any]],
           count: int) -> Any:
    """The results a step sends back, as a tuple; the whole value in place of an output
    when it is not ``count`` values (the grader then says what came back)."""
    items: list[Any] = []
    for kind, what in send:
        if kind == "arg":
            items.append(kwargs.get(str(what)))
            continue
        try:
            items.append(output(value, int(what), count))
        except NotRun:
            return value
    return tuple(items)


def apply(kwargs: dict[str, Any], carried: Mapping[str, Any]) -> None:
    """Carried arguments into ``kwargs``; a carried dict first takes the entries the
    step writes into it (in place, as a training loop sets ``bn_param["mode"]``)."""
    for name, value in carried.items():
        overlay = kwargs.get(name)
        if type(overlay) is dict and isinstance(value, dict):
            for key, entry in overlay.items():
                dict.__setitem__(value, key, entry)
        kwargs[name] = value
