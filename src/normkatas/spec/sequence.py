"""Sequence cases (``steps:``): checked, then expanded into calls with their inputs.

A sequence case is several calls whose state is threaded from one to the next
(running statistics, a ``bn_param`` dict updated in place, a forward pass's
``cache``).  `expand` turns its steps into `SequenceStep` s, one per call
(repetitions unrolled, every generator's seed advanced by one per repetition,
``NAME.KEY`` arguments gathered into dicts); what each carried parameter comes
from is a `Source`.  Nothing here runs a function.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from normkatas.spec.model import Case, Function, Generator, Kata, Output, Param, Step, View
from normkatas.spec.typecheck import Fail, Path_, close_matches

__all__ = ["SequenceStep", "Source", "expand", "function", "functions", "validate_steps"]


@dataclass(frozen=True)
class Source:
    """Where a carried parameter comes from: step ``step``'s output number ``index``
    (``kind == "out"``) or its argument ``name`` after the call (``"arg"``)."""

    step: int
    kind: Literal["out", "arg"]
    name: str
    index: int = 0


@dataclass(frozen=True)
class SequenceStep:
    """One call of a sequence case, its repetitions unrolled.

    ``kwargs`` holds every parameter that is not carried (materialized arrays,
    scalars, and dicts for ``kind: dict`` parameters); ``carry`` the others.  A
    carried dict may also be in ``kwargs``: the entries the step writes into it
    before the call (``bn_param.mode: test`` after training steps).
    """

    index: int
    function: Function
    kwargs: Mapping[str, Any]
    carry: Mapping[str, Source]
    checked: bool
    outputs: tuple[str, ...] | None
    """The results a checked step compares (None: every result the reference has)."""
    views: tuple[View, ...] = ()
    """Views of its results a checked step compares instead (``compare:``)."""


def functions(kata: Kata) -> dict[str, Function]:
    """Every function a step may call, the entry first."""
    entry = Function(name=kata.entry, params=kata.params, returns=kata.returns,
                     reference=kata.reference)
    return {entry.name: entry, **{f.name: f for f in kata.functions}}


def function(kata: Kata, step: Step) -> Function | None:
    return functions(kata).get(step.call or kata.entry)


def compared(fn: Function) -> list[Output]:
    """The outputs of ``fn`` a step may compare (opaque ones never are)."""
    return [o for o in fn.returns if not o.opaque]


def _merged(previous: dict[str, Any], step: Step, same: bool) -> dict[str, Any]:
    return {**(previous if same else {}), **step.args}


def _advance(value: Any, by: int) -> Any:
    if isinstance(value, Generator) and by:
        return msgspec.structs.replace(value, seed=value.seed + by)
    return value


def _resolve(
    kata: Kata, steps: Sequence[Step], s: int, text: str, path: Path_, fail: Fail,
    previous: int | None,
) -> tuple[int, Literal["out", "arg"], str, int]:
    """``[STEP.]NAME`` of step ``s`` -> (source step, kind, name, output index)."""
    names = {st.name: i for i, st in enumerate(steps) if st.name}
    step_name, _, name = text.rpartition(".")
    if step_name:
        if step_name not in names or names[step_name] > s:
            hint = close_matches(step_name, names)
            fail(path, f"`{step_name}` is not the name of this or an earlier step"
                 + (f"; did you mean `{hint[0]}`?" if hint else ""))
        source = names[step_name]
    else:
        if previous is None:
            fail(path, "the first step has no earlier step to carry from")
        source = previous
    fn = function(kata, steps[source])
    assert fn is not None
    outs = [o.name for o in fn.returns]
    if name in outs:
        return source, "out", name, outs.index(name)
    if name in [p.name for p in fn.params]:
        return source, "arg", name, 0
    options = outs + [p.name for p in fn.params]
    hint = close_matches(name, options)
    fail(path, f"`{name}` is neither an output nor a parameter of `{fn.name}`"
         + (f"; did you mean `{hint[0]}`?" if hint else ""))


def _check_args(fn: Function, args: Mapping[str, Any], path: Path_, fail: Fail) -> None:
    params = {p.name: p for p in fn.params}
    for key in args:
        base, dot, entry = key.partition(".")
        param = params.get(base)
        if param is None:
            hint = close_matches(base, params)
            fail((*path, key), f"`{base}` is not a parameter of `{fn.name}`"
                 + (f"; did you mean `{hint[0]}`?" if hint else ""))
        if dot and param.kind != "dict":
            fail((*path, key), f"`{base}` is not declared `kind: dict`, so `{key}` names no entry")
        if not dot and param.kind == "dict":
            fail((*path, key), f"`{base}` is a dict: write its entries as `{base}.KEY`")
        if dot and not entry.isidentifier():
            fail((*path, key), f"`{entry}` is not a Python name")


def precheck_dicts(data: Mapping[str, Any], fail: Fail) -> None:
    """Before the type check (which would read a mapping as a generator): a dict
    parameter's entries are written one by one, ``NAME.KEY: value``."""
    params = data.get("params")
    names = {p.get("name") for p in params if isinstance(p, dict) and p.get("kind") == "dict"} \
        if isinstance(params, list) else set()
    cases = data.get("cases")
    for i, case in enumerate(cases if isinstance(cases, list) and names else []):
        steps = case.get("steps") if isinstance(case, dict) else None
        places = [(("cases", i, "steps", j, "args"), st.get("args"))
                  for j, st in enumerate(steps if isinstance(steps, list) else [])
                  if isinstance(st, dict)]
        for path, args in places:
            for key, value in (args.items() if isinstance(args, dict) else []):
                if key in names and isinstance(value, dict) and "generate" not in value:
                    fail((*path, key), f"`{key}` is a dict: write its entries as `{key}.KEY`"
                         f" (`{key}.{next(iter(value), 'mode')}: ...`)")


def validate_steps(kata: Kata, index: int, case: Case, fail: Fail) -> None:
    """The checks of one sequence case, each failing at its key's line."""
    path: Path_ = ("cases", index)
    if case.args:
        fail((*path, "args"), "a case with `steps` gives its arguments in the steps")
    for key in ("expected", "compare"):
        if getattr(case, key) is not None:
            fail((*path, key), f"a case with `steps` cannot have `{key}`")
    if case.performance:
        fail((*path, "performance"), "a sequence case cannot be a performance case")
    if case.probe and case.hidden:
        fail((*path, "probe"), "the probe case must be visible")
    steps = case.steps or []
    seen: set[str] = set()
    previous_args: dict[str, Any] = {}
    previous_fn: str | None = None
    for s, step in enumerate(steps):
        spath: Path_ = (*path, "steps", s)
        if step.name is not None:
            if step.name in seen:
                fail((*spath, "name"), f"two steps are named `{step.name}`")
            seen.add(step.name)
        fn = function(kata, step)
        if fn is None:
            options = list(functions(kata))
            hint = close_matches(step.call or "", options)
            fail((*spath, "call"), f"`{step.call}` is not a function of the kata "
                 f"({', '.join(f'`{o}`' for o in options)})"
                 + (f"; did you mean `{hint[0]}`?" if hint else ""))
        _check_args(fn, step.args, (*spath, "args"), fail)
        args = _merged(previous_args, step, fn.name == previous_fn)
        for param, text in step.carry.items():
            cpath = (*spath, "carry", param)
            if param not in {p.name for p in fn.params}:
                fail(cpath, f"`{param}` is not a parameter of `{fn.name}`")
            first = s - 1 if s else (None if step.repeat == 1 else s)
            _resolve(kata, steps, s, text, cpath, fail, first)
        given = {k.partition(".")[0] for k in args} | (set(step.carry) if s else set())
        for p in fn.params:
            if p.name not in given and p.default is msgspec.UNSET and p.kind != "dict":
                fail((*spath, "args"), f"missing argument `{p.name}` of `{fn.name}` "
                     "(no default, not carried)")
        if step.outputs is not None:
            names = _result_names(fn)
            for o, name in enumerate(step.outputs):
                if name not in names and name.partition(".")[0] not in names:
                    fail((*spath, "outputs", o), f"`{name}` is not a result of `{fn.name}` "
                         f"({', '.join(f'`{n}`' for n in sorted(names))})")
        for v, view in enumerate(step.compare or []):
            names = _result_names(fn)
            if view.output not in names and view.output.partition(".")[0] not in names:
                fail((*spath, "compare", v, "output"),
                     f"`{view.output}` is not a result of `{fn.name}` "
                     f"({', '.join(f'`{n}`' for n in sorted(names))})")
        if step.compare is not None and step.outputs is not None:
            fail((*spath, "compare"), "a step compares either `outputs` or views (`compare`)")
        previous_args, previous_fn = args, fn.name


def _result_names(fn: Function) -> set[str]:
    """What a step of ``fn`` may compare: its outputs that are not opaque, and its
    dict parameters (as the call left them; ``bn_param.running_var`` is one entry)."""
    return {o.name for o in compared(fn)} | {p.name for p in fn.params if p.kind == "dict"}


def _value(param: Param, args: Mapping[str, Any], by: int, materialize: Any) -> Any:
    if param.kind == "dict":
        default = param.default if isinstance(param.default, dict) else {}
        entries = {**default, **{k.partition(".")[2]: v for k, v in args.items()
                                 if k.partition(".")[0] == param.name and "." in k}}
        return {k: materialize(_advance(v, by)) for k, v in entries.items()}
    if param.name in args:
        return materialize(_advance(args[param.name], by))
    return materialize(param.default)


def _overlay(fn: Function, param: str, step: Step, by: int, materialize: Any) -> dict[str, Any]:
    """The entries a step writes into a dict it carries (``bn_param.mode: test``)."""
    if not any(p.name == param and p.kind == "dict" for p in fn.params):
        return {}
    return {k.partition(".")[2]: materialize(_advance(v, by)) for k, v in step.args.items()
            if k.partition(".")[0] == param and "." in k}


def expand(kata: Kata, case: Case, materialize: Any) -> list[SequenceStep]:
    """The calls of a (validated) sequence case, in order.  ``materialize`` turns a
    YAML value into an argument (`normkatas.spec.inputs`)."""
    steps = case.steps or []
    out: list[SequenceStep] = []
    last_call: dict[int, int] = {}  # step number -> index of its last call
    previous_args: dict[str, Any] = {}
    previous_fn: str | None = None

    def never(path: Path_, message: str) -> Any:
        raise ValueError(message)

    for s, step in enumerate(steps):
        fn = function(kata, step)
        assert fn is not None
        args = _merged(previous_args, step, fn.name == previous_fn)
        last = len(steps) - 1
        for r in range(step.repeat):
            kwargs = {
                p.name: _value(p, args, r, materialize) for p in fn.params
                if p.name not in step.carry or (r == 0 and s == 0)
            }
            carry: dict[str, Source] = {}
            if s or r:
                for param, text in step.carry.items():
                    src, kind, name, index = _resolve(
                        kata, steps, s, text, (), never, s if r else s - 1
                    )
                    if src == s and not r:  # a repeated step's first call: from its args
                        kwargs[param] = _value(
                            next(p for p in fn.params if p.name == param), args, r, materialize
                        )
                        continue
                    at = len(out) - 1 if src == s else last_call[src]
                    carry[param] = Source(at, kind, name, index)
                    kwargs.pop(param, None)
                    overlay = _overlay(fn, param, step, r, materialize)
                    if overlay:
                        kwargs[param] = overlay
            checked = step.check if step.check is not None else s == last
            out.append(SequenceStep(
                index=len(out), function=fn, kwargs=kwargs, carry=carry,
                checked=bool(checked) and r == step.repeat - 1,
                outputs=tuple(step.outputs) if step.outputs is not None else None,
                views=tuple(step.compare or ()),
            ))
        last_call[s] = len(out) - 1
        previous_args, previous_fn = args, fn.name
    return out
