"""Case materialization: literal and generated arguments become arrays, once per run.

Literals: a (nested) list becomes a float64 array (a bool array when it
holds only true/false); a scalar stays a Python int/float/bool (epsilon,
num_groups, training).  Generators draw from
``numpy.random.default_rng(seed)`` (PCG64: the same numbers on every
platform), then apply ``channel_scales`` (multiply), ``channel_offsets``
(add) and ``constant_channels`` (set to ``loc + offset``) along
``channel_axis``, then ``round``, then cast to ``dtype`` last.

Arrays are read-only: a case is shared by every call of a run, so code
that wants to write into an input (a reference updating running stats in
place) must copy it first; writing raises instead of silently changing
later calls.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec
import numpy as np

from normkatas.spec.model import Case, Generator, Kata
from normkatas.spec.sequence import SequenceStep, expand

__all__ = [
    "MaterializedCase", "MaterializedSequence", "describe", "generate", "materialize",
    "materialize_sequences",
]


@dataclass(frozen=True)
class MaterializedCase:
    """A case with every argument as a numpy array or Python scalar.

    ``kwargs`` holds one entry per kata parameter (defaults filled in).
    """

    spec: Case
    kwargs: Mapping[str, Any]

    @property
    def name(self) -> str:
        return self.spec.name


def _frozen(array: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    array.flags.writeable = False
    return array


def _leaves_all_bool(value: Any) -> bool:
    if isinstance(value, list):
        return bool(value) and all(_leaves_all_bool(v) for v in value)
    return isinstance(value, bool)


def _draw(gen: Generator) -> np.ndarray[Any, Any]:
    shape = tuple(gen.shape)
    if gen.generate == "constant":
        return np.full(shape, gen.value, dtype=np.float64)
    if gen.generate == "arange":
        steps = np.arange(math.prod(shape), dtype=np.float64).reshape(shape)
        return gen.start + gen.step * steps
    rng = np.random.default_rng(gen.seed)
    if gen.generate == "normal":
        return rng.normal(gen.loc, gen.scale, size=shape)
    if gen.generate == "uniform":
        return rng.uniform(gen.low, gen.high, size=shape)
    # integers: whole numbers in [low, high), drawn as int64
    drawn = rng.integers(int(gen.low), int(gen.high), size=shape, dtype=np.int64)
    return drawn if gen.dtype.startswith("int") else drawn.astype(np.float64)


def _per_channel(values: list[float], gen: Generator, ndim: int) -> np.ndarray[Any, Any]:
    shape = [1] * ndim
    shape[gen.channel_axis] = len(values)
    return np.asarray(values, dtype=np.float64).reshape(shape)


def generate(gen: Generator) -> np.ndarray[Any, Any]:
    """The array a generator describes (writeable, freshly allocated)."""
    x = _draw(gen)
    ndim = x.ndim
    if gen.channel_scales is not None:
        x = x * _per_channel(gen.channel_scales, gen, ndim)
    if gen.channel_offsets is not None:
        x = x + _per_channel(gen.channel_offsets, gen, ndim)
    if gen.constant_channels:
        offsets = gen.channel_offsets or [0.0] * x.shape[gen.channel_axis]
        x = np.array(x, dtype=np.float64)
        moved = np.moveaxis(x, gen.channel_axis, 0)  # a view into x
        for c in gen.constant_channels:
            moved[c] = gen.loc + offsets[c]
    if gen.round is not None:
        x = np.round(x, gen.round)
    return np.asarray(x).astype(gen.dtype, copy=False)


def _value(value: Any) -> Any:
    if isinstance(value, Generator):
        return _frozen(generate(value))
    if isinstance(value, list):
        dtype = np.bool_ if _leaves_all_bool(value) else np.float64
        return _frozen(np.array(value, dtype=dtype))
    return value


def materialize(kata: Kata) -> list[MaterializedCase]:
    """Every single-call case of ``kata`` with its arguments as arrays / scalars, in
    param order (sequence cases: `materialize_sequences`)."""
    out = []
    for case in kata.cases:
        if case.steps is not None:
            continue
        kwargs: dict[str, Any] = {}
        for param in kata.params:
            if param.name in case.args:
                kwargs[param.name] = _value(case.args[param.name])
            elif param.default is not msgspec.UNSET:
                kwargs[param.name] = _value(param.default)
            else:
                raise ValueError(
                    f"case {case.name!r} of kata {kata.id!r} has no value for {param.name!r}"
                )
        out.append(MaterializedCase(case, kwargs))
    return out


@dataclass(frozen=True)
class MaterializedSequence:
    """A sequence case with its calls expanded (`normkatas.spec.sequence.expand`)."""

    spec: Case
    steps: tuple[SequenceStep, ...]

    @property
    def name(self) -> str:
        return self.spec.name


def materialize_sequences(kata: Kata) -> list[MaterializedSequence]:
    """Every sequence case of ``kata``, its steps expanded and their inputs made."""
    return [
        MaterializedSequence(case, tuple(expand(kata, case, _value)))
        for case in kata.cases if case.steps is not None
    ]


def describe(value: Any) -> str:
    """A short description of an input: "float64 (2, 2, 2, 2)", "1e-05", "True"."""
    if isinstance(value, np.ndarray):
        return f"{value.dtype} {value.shape}"
    if isinstance(value, np.generic):
        return f"{value.dtype} {value.item()!r}"
    if isinstance(value, (list, tuple)):
        return f"{type(value).__name__} of {len(value)}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {describe(v)}" for k, v in value.items()) + "}"
    return repr(value) if isinstance(value, str) else str(value)
