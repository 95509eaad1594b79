"""`grade --list` and `grade --show ID`: views of the kata specs, not of a result."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from grader.spec.model import Case, Generator, Kata

_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


def _environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("grader.render", "templates"),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _value(value: Any) -> str:
    if isinstance(value, Generator):
        shape = "x".join(str(s) for s in value.shape)
        return f"<generated: {value.generate} {shape} {value.dtype}, seed {value.seed}>"
    if isinstance(value, list):
        import numpy as np

        return np.array2string(np.asarray(value), separator=", ", max_line_width=88)
    return repr(value)


def example_view(case: Case) -> dict[str, Any]:
    return {
        "name": case.name,
        "note": case.note,
        "args": [(k, _value(v)) for k, v in case.args.items()],
        "expected": [(k, _value(v)) for k, v in (case.expected or {}).items()],
    }


def _styles(color: bool) -> dict[str, str]:
    return {"b": _BOLD, "d": _DIM, "r": _RESET} if color else {"b": "", "d": "", "r": ""}


def render_kata(kata: Kata, *, color: bool = False) -> str:
    template = _environment().get_template("kata_show.txt.j2")
    return str(
        template.render(
            kata=kata,
            examples=[example_view(c) for c in kata.cases if c.example and not c.hidden],
            visible=sum(1 for c in kata.cases if not c.hidden),
            hidden=sum(1 for c in kata.cases if c.hidden),
            s=_styles(color),
        )
    )


def render_kata_list(katas: Sequence[Kata], *, color: bool = False) -> str:
    template = _environment().get_template("kata_list.txt.j2")
    return str(template.render(katas=list(katas), s=_styles(color)))
