"""What a kata file (katas/*.yaml) may say, as typed models.

The models are msgspec Structs: validation is strict (unknown keys are
errors) and `normkatas.spec.schema` exports the JSON Schema editors use.  The
loader (`normkatas.spec.load`) turns YAML into these objects and maps every
validation error back to file, line and key.

Constraints that a JSON Schema can express (minimum, pattern, length) are
written here as ``msgspec.Meta`` so that the schema and the loader agree;
the checks that need several fields at once live in
``normkatas.spec.validate``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

Dtype = Literal["float64", "float32", "float16", "int64", "int32", "bool"]
Axis = int | str
"""An axis, as an index into the layout or as one of its letters ("C")."""

IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]*$"
SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
REFERENCE = r"^([A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*)?$"

Name = Annotated[str, msgspec.Meta(pattern=IDENTIFIER, description="A Python identifier.")]
NonNegative = Annotated[float, msgspec.Meta(ge=0)]
Positive = Annotated[float, msgspec.Meta(gt=0)]

FAMILIES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "normalization": (
        frozenset({"input", "gamma", "beta", "epsilon", "groups"}),
        frozenset({"y", "mean", "var"}),
    ),
    "running-norm": (
        frozenset(
            {"input", "gamma", "beta", "running_mean", "running_var", "training", "momentum",
             "epsilon"}
        ),
        frozenset({"y", "running_mean", "running_var"}),
    ),
    "norm-backward": (
        frozenset({"dout", "input", "gamma", "epsilon"}),
        frozenset({"dx", "dgamma", "dbeta"}),
    ),
}
"""family -> (role names, output role names) a `structure` may use."""


class _Model(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    pass


class Tolerance(_Model):
    """|yours - reference| <= atol + rtol * |reference|, element-wise."""

    rtol: NonNegative = 1e-5
    atol: NonNegative = 1e-6


class Generator(_Model):
    """A seeded array generator, materialized once per grading run.

    ``x = draw(shape) * channel_scales[c] + channel_offsets[c]`` along
    ``channel_axis``; channels in ``constant_channels`` hold
    ``loc + channel_offsets[c]`` everywhere.  ``round`` keeps that many
    decimals (handy for readable examples).  ``normal`` uses loc/scale,
    ``uniform`` and ``integers`` low/high (high excluded), ``arange``
    start/step, ``constant`` value.
    """

    generate: Literal["normal", "uniform", "integers", "arange", "constant"]
    shape: Annotated[list[Annotated[int, msgspec.Meta(gt=0)]], msgspec.Meta(min_length=1)]
    seed: Annotated[int, msgspec.Meta(ge=0)] = 0
    dtype: Dtype = "float64"
    loc: float = 0.0
    scale: NonNegative = 1.0
    low: float = 0.0
    high: float = 1.0
    start: float = 0.0
    step: float = 1.0
    value: float = 0.0
    channel_axis: int = 1
    channel_offsets: list[float] | None = None
    channel_scales: list[float] | None = None
    constant_channels: list[Annotated[int, msgspec.Meta(ge=0)]] = msgspec.field(
        default_factory=list
    )
    round: Annotated[int, msgspec.Meta(ge=0, le=15)] | None = None


ArgValue = bool | int | float | str | None | list[Any] | Generator
"""A literal (number, boolean, nested list) or a generator mapping."""


class View(_Model):
    """What a case compares of one output, instead of all of it.

    ``slice``: a numpy index written as in Python (``"[:, 0]"``, ``"[0:2, ...]"``).
    ``statistic`` over the axes ``over`` (layout letters or indices): ``mean``,
    ``std``, ``var``, ``min`` or ``max``.  ``equals``: the value the result must
    have (a number, a list, or a parameter's name: ``beta``); without it, the
    same view of the reference's output.  A view with ``equals`` is a property:
    it needs no reference values.
    """

    output: Name
    slice: str | None = None
    statistic: Literal["mean", "std", "var", "min", "max"] | None = None
    over: list[Axis] = msgspec.field(default_factory=list)
    equals: float | list[Any] | str | None = None
    tolerance: Tolerance | None = None


class Case(_Model):
    """One call of the student's function, graded against the reference
    (or, with ``compare``, on the views it lists)."""

    name: Annotated[str, msgspec.Meta(min_length=1)]
    args: dict[str, ArgValue] = msgspec.field(default_factory=dict)
    # Values written in the YAML for documentation (seed examples); the
    # instructor check judges them like answers, within the grading
    # tolerance, or within `expected_atol` when the case writes one.
    expected: dict[str, Any] | None = None
    expected_atol: NonNegative | None = None
    tolerance: Tolerance | None = None
    points: NonNegative = 1.0
    hidden: bool = False
    example: bool = False
    probe: bool = False
    performance: bool = False
    note: str = ""
    compare: list[View] | None = None
    steps: Annotated[list[Step], msgspec.Meta(min_length=1)] | None = None
    """A sequence of calls instead of one (``args`` is then empty): see `Step`."""


ShapeItem = int | str
"""A size (``1``) or a letter of the structure's layout (``"C"``)."""


class Param(_Model):
    """One parameter of the function to write.

    ``shape`` is the shape the course passes it with, written with the letters
    of ``structure.layout`` for sizes that follow the input: ``[C]`` (one value
    per channel), ``[1, C, 1, 1]`` (Deep-ML style, broadcasting against NCHW),
    ``[]`` (a scalar).  The loader checks every case's value against it and
    infers it for ``gamma`` and ``beta`` when it is absent.
    """

    name: Name
    doc: str = ""
    default: Any = msgspec.UNSET
    shape: list[ShapeItem] | None = None
    kind: Literal["value", "dict"] = "value"
    """``dict``: the function takes a dict (a CS231n-style ``bn_param``); a case
    writes its entries as ``NAME.KEY`` arguments (``bn_param.mode: train``)."""


class Output(_Model):
    name: Name
    doc: str = ""
    opaque: bool = False
    """A value only later calls read (a forward pass's ``cache``): it stays in the
    sandbox, handed on by a sequence case's ``carry``, and is never compared."""


class Function(_Model):
    """Another function of the kata, called by the steps of sequence cases
    (``call:``): a backward pass that reads the forward pass's cache.

    ``structure`` (optional) lets the diagnosis read a call of it that departs
    from the reference: a role maps to one of its parameters, or, written
    ``PARAM@NAME``, to the argument ``NAME`` (``x``, ``bn_param.eps``) of the call
    whose result a step carried into ``PARAM`` (``input: cache@x``)."""

    name: Name
    params: list[Param]
    returns: Annotated[list[Output], msgspec.Meta(min_length=1)]
    doc: str = ""
    reference: Annotated[
        str,
        msgspec.Meta(
            pattern=REFERENCE,
            description="module:function in solutions/; default <kata module>:<name>.",
        ),
    ] = ""
    structure: Structure | None = None


class Step(_Model):
    """One call of a sequence case (``steps:``).

    ``call``: the function (default: the kata's ``entry``).  ``args`` are laid
    over the previous step's arguments when it calls the same function, so a
    step writes only what changes.  ``repeat``: the step is made that many
    times in a row, every generator's seed advancing by one per repetition.
    ``carry`` maps a parameter to ``[STEP.]NAME``: an output of an earlier step
    (the previous one when STEP is left out; a repeated step's previous
    repetition) or, when that step's function has no output NAME, its argument
    NAME as the call left it (a dict it updated in place).  ``check``: compare
    this step's results with the reference's (default: only the last step).
    ``outputs``: which of its results (``y``, ``bn_param.running_var``).
    ``compare``: views of its results instead (a slice, a statistic), as a
    case's ``compare``; a view's ``output`` is a result's name.
    """

    name: Name | None = None
    call: Name | None = None
    args: dict[str, ArgValue] = msgspec.field(default_factory=dict)
    repeat: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 1
    carry: dict[str, str] = msgspec.field(default_factory=dict)
    check: bool | None = None
    outputs: list[str] | None = None
    compare: list[View] | None = None


class Structure(_Model):
    """What the diagnosis reasons with.

    ``family`` names the formula family (``normalization``,
    ``running-norm``, ``norm-backward``); ``roles`` maps the family's roles
    (input, gamma, beta, epsilon, groups, ...) to parameter names and
    ``outputs`` maps its output roles (y, mean, var, ...) to output names.
    Both only need what differs: a role with a parameter of its own name
    maps to it, ``input`` defaults to the first parameter and ``y`` to the
    first return value.
    ``layout`` has one capital letter per axis of the input role, in the
    order the course stores them: ``NCHW``, channels-last ``NHWC``,
    ``NTD`` (batch, time, features), ``NC``, ``N``.  ``N`` is the batch and
    ``C`` the channel (the axis groups and per-channel parameters follow);
    other letters are free.
    """

    family: Literal["normalization", "running-norm", "norm-backward"]
    layout: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]+$")]
    reduce: list[Axis]
    affine_axis: Axis | None = None
    roles: dict[str, str] = msgspec.field(default_factory=dict)
    outputs: dict[str, str] = msgspec.field(default_factory=dict)


class Choice(_Model):
    """One choice of a question (for ``snippet`` questions, ``text`` is code).

    A wrong choice's ``explanation`` names the misconception that leads to it;
    the right choice's says why it is right.
    """

    text: Annotated[str, msgspec.Meta(min_length=1)]
    correct: bool = False
    explanation: str = ""


class Question(_Model):
    """A concept question a kata carries (`grade quiz KATA`, or an answers file).

    ``choice``: pick the one right ``choices`` entry; ``snippet``: the same, the
    choices being code; ``number``: a number within ``tolerance`` (absolute) of
    ``answer``.
    """

    id: Annotated[str, msgspec.Meta(pattern=SLUG, description="A slug: why-gamma-beta.")]
    kind: Literal["choice", "number", "snippet"]
    ask: Annotated[str, msgspec.Meta(min_length=1)]
    choices: list[Choice] = msgspec.field(default_factory=list)
    answer: float | None = None
    tolerance: NonNegative = 0.0
    explanation: str = ""
    """Shown after the question is answered (why the right answer is right)."""
    points: NonNegative = 1.0


class Limits(_Model):
    timeout: Positive | None = None
    memory_mb: Annotated[int, msgspec.Meta(gt=0)] | None = None


class PerformanceRule(_Model):
    """Advice when the student is `slower_than` times slower than the reference."""

    slower_than: Positive = 20.0
    affects_score: bool = False


class Kata(_Model):
    """A kata: one function to write, its reference and its graded cases."""

    id: Annotated[str, msgspec.Meta(pattern=SLUG, description="A slug: batchnorm-bchw.")]
    title: str
    statement: str
    entry: Name
    params: list[Param]
    returns: Annotated[list[Output], msgspec.Meta(min_length=1)]
    reference: Annotated[
        str,
        msgspec.Meta(
            pattern=REFERENCE,
            description="module:function in solutions/; default <id with _>:<entry>.",
        ),
    ] = ""
    """``module:function`` in solutions/; default ``<id with _>:<entry>``."""
    level: Literal["easy", "medium", "hard"] = "medium"
    tags: list[str] = msgspec.field(default_factory=list)
    tolerance: Tolerance = msgspec.field(default_factory=Tolerance)
    allow_mutation: bool = False
    limits: Limits = msgspec.field(default_factory=Limits)
    structure: Structure | None = None
    performance: PerformanceRule = msgspec.field(default_factory=PerformanceRule)
    cases: list[Case] = msgspec.field(default_factory=list)
    questions: list[Question] = msgspec.field(default_factory=list)
    functions: list[Function] = msgspec.field(default_factory=list)
    """Further functions the steps of sequence cases call (``call:``)."""

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
            if p.default is msgspec.UNSET or p.kind == "dict":
                parts.append(p.name)
            else:
                parts.append(f"{p.name}={p.default!r}")
        return f"{self.entry}({', '.join(parts)})"

    @property
    def graded_cases(self) -> list[Case]:
        """The cases a result reports: performance cases only when they affect the score
        (otherwise they are timings, reported as advice in ``Result.performance``)."""
        return [c for c in self.cases if not c.performance or self.performance.affects_score]

    @property
    def max_score(self) -> float:
        return float(sum(c.points for c in self.graded_cases))
