"""What a kata file (katas/*.yaml) may say, as typed models.

The models are msgspec Structs: validation is strict (unknown keys are
errors) and `grader.spec.schema` exports the JSON Schema editors use.  The
loader (`grader.spec.load`) turns YAML into these objects and maps every
validation error back to file, line and key.
"""

from __future__ import annotations

from typing import Any, Literal, Union

import msgspec

Dtype = Literal["float64", "float32", "float16", "int64", "int32", "bool"]
Axis = Union[int, str]
"""An axis, as an index into the layout or as one of its letters ("C")."""


class _Model(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    pass


class Tolerance(_Model):
    """|yours - reference| <= atol + rtol * |reference|, element-wise."""

    rtol: float = 1e-5
    atol: float = 1e-6


class Generator(_Model):
    """A seeded array generator, materialized once per grading run.

    ``x = draw(shape) * channel_scales[c] + channel_offsets[c]`` along
    ``channel_axis``; channels in ``constant_channels`` hold
    ``loc + channel_offsets[c]`` everywhere.  ``round`` keeps that many
    decimals (handy for readable examples).
    """

    generate: Literal["normal", "uniform", "integers", "arange", "constant"]
    shape: list[int]
    seed: int = 0
    dtype: Dtype = "float64"
    loc: float = 0.0
    scale: float = 1.0
    low: float = 0.0
    high: float = 1.0
    start: float = 0.0
    step: float = 1.0
    value: float = 0.0
    channel_axis: int = 1
    channel_offsets: Union[list[float], None] = None
    channel_scales: Union[list[float], None] = None
    constant_channels: list[int] = msgspec.field(default_factory=list)
    round: Union[int, None] = None


ArgValue = Union[bool, int, float, str, None, list[Any], Generator]
"""A literal (number, boolean, nested list) or a generator mapping."""


class Case(_Model):
    name: str
    args: dict[str, ArgValue] = msgspec.field(default_factory=dict)
    # Values written in the YAML for documentation (seed examples); the
    # instructor check compares them with the reference within
    # `expected_atol` (inferred from the decimals written when absent).
    expected: Union[dict[str, Any], None] = None
    expected_atol: Union[float, None] = None
    tolerance: Union[Tolerance, None] = None
    points: float = 1.0
    hidden: bool = False
    example: bool = False
    probe: bool = False
    performance: bool = False
    note: str = ""


class Param(_Model):
    name: str
    doc: str = ""
    default: Any = msgspec.UNSET


class Output(_Model):
    name: str
    doc: str = ""


class Structure(_Model):
    """What the diagnosis reasons with.

    ``family`` names the formula family (``normalization``,
    ``running-norm``, ``norm-backward``); ``roles`` maps the family's roles
    (input, gamma, beta, epsilon, groups, ...) to parameter names and
    ``outputs`` maps its output roles (y, mean, var, ...) to output names.
    """

    family: Literal["normalization", "running-norm", "norm-backward"]
    layout: str
    reduce: list[Axis]
    affine_axis: Union[Axis, None] = None
    roles: dict[str, str] = msgspec.field(default_factory=dict)
    outputs: dict[str, str] = msgspec.field(default_factory=dict)


class Limits(_Model):
    timeout: Union[float, None] = None
    memory_mb: Union[int, None] = None


class PerformanceRule(_Model):
    """Advice when the student is `slower_than` times slower than the reference."""

    slower_than: float = 20.0
    affects_score: bool = False


class Kata(_Model):
    id: str
    title: str
    statement: str
    entry: str
    params: list[Param]
    returns: list[Output]
    reference: str = ""
    """``module:function`` in solutions/; default ``<id with _>:<entry>``."""
    level: Literal["easy", "medium", "hard"] = "medium"
    tags: list[str] = msgspec.field(default_factory=list)
    tolerance: Tolerance = msgspec.field(default_factory=Tolerance)
    allow_mutation: bool = False
    limits: Limits = msgspec.field(default_factory=Limits)
    structure: Union[Structure, None] = None
    performance: PerformanceRule = msgspec.field(default_factory=PerformanceRule)
    cases: list[Case] = msgspec.field(default_factory=list)

    @property
    def reference_module(self) -> str:
        return (self.reference.split(":")[0] if self.reference else "") or self.id.replace(
            "-", "_"
        )

    @property
    def reference_function(self) -> str:
        parts = self.reference.split(":")
        return parts[1] if len(parts) == 2 and parts[1] else self.entry

    @property
    def signature(self) -> str:
        parts = []
        for p in self.params:
            if p.default is msgspec.UNSET:
                parts.append(p.name)
            else:
                parts.append(f"{p.name}={p.default!r}")
        return f"{self.entry}({', '.join(parts)})"

    @property
    def max_score(self) -> float:
        return float(sum(c.points for c in self.cases if not c.performance))
