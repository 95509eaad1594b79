"""`grade --list` and `grade --show ID`: views of the kata specs, not of a result."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from normkatas.spec.model import Case, Generator, Kata

_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


def _value(value: Any) -> str:
    if isinstance(value, Generator):
        shape = "x".join(str(s) for s in value.shape)
        return f"<generated: {value.generate} {shape} {value.dtype}, seed {value.seed}>"
    if isinstance(value, list):
        text = repr(value)
        if len(text) <= 80:
            return text
        import numpy as np

        return np.array2string(
            np.asarray(value),
            separator=", ",
            max_line_width=88,
            formatter={"float_kind": lambda v: repr(float(v))},
        )
    return repr(value)


def example_view(case: Case) -> dict[str, Any]:
    return {
        "name": case.name,
        "note": case.note,
        # (a sequence case: the arguments of its first step)
        "args": [(k, _value(v)) for k, v in (
            case.steps[0].args if case.steps else case.args).items()],
        "expected": [(k, _value(v)) for k, v in (case.expected or {}).items()],
    }


def _styles(color: bool) -> dict[str, Any]:
    from markupsafe import Markup

    codes = {"b": _BOLD, "d": _DIM, "r": _RESET}
    return {k: Markup(v if color else "") for k, v in codes.items()}


def render_kata(kata: Kata, *, color: bool = False) -> str:
    from normkatas.render._jinja import render_template

    return str(
        render_template(
            "kata_show.txt.j2",
            kata=kata,
            examples=[example_view(c) for c in kata.cases if c.example and not c.hidden],
            visible=sum(1 for c in kata.cases if not c.hidden and not c.performance),
            hidden=sum(1 for c in kata.cases if c.hidden and not c.performance),
            s=_styles(color),
        )
    )


def render_kata_list(katas: Sequence[Kata], *, color: bool = False) -> str:
    from normkatas.render._jinja import render_template

    return str(render_template("kata_list.txt.j2", katas=list(katas), s=_styles(color)))
