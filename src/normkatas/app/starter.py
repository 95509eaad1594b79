"""Starter files for ``grade init KATA`` (and starter notebooks, ``--notebook``).

`starter_source` writes the kata's function with its exact signature
(defaults included), a docstring that says what each parameter holds and
what to return (from the kata's ``params`` / ``returns`` docs), ``import
numpy as np`` and a body that raises ``NotImplementedError``.  The text is
checked to be valid Python before it is returned.
"""

from __future__ import annotations

import ast
import keyword
import re
import textwrap
from typing import Any

import msgspec

from normkatas.spec.model import Kata

__all__ = ["format_default", "starter_notebook", "starter_source"]

_WIDTH = 88
_EXPONENT = re.compile(r"e([+-])0+(\d)")
_PARENTHESIS = re.compile(r"\S* \([^()]*\)|\([^()]*\)")
_GLUE = "\x00"


def format_default(value: Any) -> str:
    """A default value as Python source: ``1e-05`` is written ``1e-5``."""
    text = repr(value)
    if isinstance(value, float):
        text = _EXPONENT.sub(lambda m: "e" + ("-" if m.group(1) == "-" else "") + m.group(2), text)
    try:
        same = ast.literal_eval(text) == value
    except (ValueError, SyntaxError):
        same = False
    if not same:
        raise ValueError(f"default {value!r} cannot be written as a Python literal")
    return text


def _identifier(name: str, what: str) -> str:
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"{what} {name!r} is not a valid Python name")
    return name


def _def_lines(kata: Kata) -> list[str]:
    """``def entry(params):``, wrapped the way black would when it is long."""
    entry = _identifier(kata.entry, "function")
    parts = []
    for param in kata.params:
        name = _identifier(param.name, "parameter")
        if param.default is msgspec.UNSET or param.kind == "dict":
            parts.append(name)
        else:
            parts.append(f"{name}={format_default(param.default)}")
    one_line = f"def {entry}({', '.join(parts)}):"
    if len(one_line) <= _WIDTH:
        return [one_line]
    inner = "    " + ", ".join(parts)
    if len(inner) <= _WIDTH:
        return [f"def {entry}(", inner, "):"]
    return [f"def {entry}(", *(f"    {part}," for part in parts), "):"]


def _docstring_text(text: str) -> str:
    """Text that is safe inside a triple-quoted docstring."""
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def _wrap(text: str, indent: str, subsequent_indent: str) -> list[str]:
    """Wrapped lines that never break a parenthesis, "shape (N, C)" included."""
    glued = _PARENTHESIS.sub(lambda m: m.group(0).replace(" ", _GLUE), text)
    lines = textwrap.wrap(
        glued,
        width=_WIDTH,
        initial_indent=indent,
        subsequent_indent=subsequent_indent,
        break_on_hyphens=False,
        break_long_words=False,
    )
    return [line.replace(_GLUE, " ") for line in lines]


def _entry_lines(name: str, doc: str, indent: str) -> list[str]:
    """``name : doc``, wrapped with the doc continued under it."""
    doc = " ".join(doc.split())
    if not doc:
        return [f"{indent}{name}"]
    return _wrap(f"{name} : {doc}", indent, indent + "    ")


def _function_docstring(kata: Kata) -> list[str]:
    ind = "    "
    lines = [f"{ind}{' '.join(kata.title.split())}.", ""]
    if kata.params:
        lines += [f"{ind}Parameters", f"{ind}----------"]
        for param in kata.params:
            doc = param.doc
            if param.default is not msgspec.UNSET:
                default = f"(default {format_default(param.default)})"
                if param.kind == "dict":  # a dict: the entries it has when left out
                    default = f"(a dict; entries left out: {format_default(param.default)})"
                doc = f"{doc} {default}" if doc else default
            lines += _entry_lines(param.name, doc, ind)
        lines.append("")
    lines += [f"{ind}Returns", f"{ind}-------"]
    if len(kata.returns) > 1:
        names = ", ".join(r.name for r in kata.returns)
        lines += _wrap(f"A tuple ({names}), in this order:", ind, ind)
    for out in kata.returns:
        lines += _entry_lines(out.name, out.doc, ind)
    if not kata.allow_mutation:
        lines += ["", f"{ind}Do not modify the arrays you are given: return new ones."]
    escaped = [_docstring_text(line) for line in lines]
    return [f'{ind}"""{escaped[0].lstrip()}', *escaped[1:], f'{ind}"""']


def _function_lines(kata: Kata) -> list[str]:
    """``def``, docstring and a body that raises NotImplementedError."""
    body = [f'    raise NotImplementedError("{kata.entry}: write your solution here")']
    return [*_def_lines(kata), *_function_docstring(kata), *body]


def starter_source(kata: Kata) -> str:
    """The text of a starter file for ``kata``: valid Python that fails every case."""
    def_lines = _def_lines(kata)
    title = _docstring_text(" ".join(kata.title.split()))
    header = [
        f'"""Kata {kata.id}: {title}.',
        "",
        f"Implement {' and '.join([kata.entry, *(f.name for f in kata.functions)])} below,"
        " then run `grade` on this file.",
        f"Read the statement again with `grade --show {kata.id}`.",
        '"""',
        "",
        "import numpy as np",
        "",
        "",
        *def_lines,
    ]
    body = [f'    raise NotImplementedError("{kata.entry}: write your solution here")']
    for fn in kata.functions:  # the other functions sequence cases call
        view = msgspec.structs.replace(kata, entry=fn.name, params=fn.params,
                                       returns=fn.returns, title=fn.doc or fn.name)
        body += ["", "", *_function_lines(view)]
    source = "\n".join([*header, *_function_docstring(kata), *body]) + "\n"
    try:
        ast.parse(source)
    except SyntaxError as exc:  # e.g. a parameter without default after one with
        raise ValueError(f"kata {kata.id}: the starter is not valid Python: {exc.msg}") from exc
    return source


def _statement_markdown(kata: Kata) -> str:
    lines = [f"# {' '.join(kata.title.split())}", "",
             f"Kata `{kata.id}` ({kata.level}).", "", kata.statement.strip(), "",
             "## Signature", "", "```python", f"def {kata.signature}", "```", ""]
    for param in kata.params:
        doc = " ".join(param.doc.split())
        lines.append(f"- `{param.name}`" + (f": {doc}" if doc else ""))
    lines += ["", "Returns:", ""]
    for out in kata.returns:
        doc = " ".join(out.doc.split())
        lines.append(f"- `{out.name}`" + (f": {doc}" if doc else ""))
    lines += ["", f"Write `{kata.entry}` in the next cell, then run the grading cell at the end"
              f" (or `grade` this notebook from a terminal; cells tagged `skip-grade` are"
              f" left out)."]
    return "\n".join(lines)


def _cell(kind: str, source: str) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": kind, "metadata": {},
                            "source": source.splitlines(keepends=True)}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def starter_notebook(kata: Kata) -> str:
    """A starter notebook (nbformat 4, JSON): the statement, the signature, a grading cell."""
    import json

    function = "\n".join(["import numpy as np", "", "", *_function_lines(kata)])
    try:
        ast.parse(function)
    except SyntaxError as exc:
        raise ValueError(f"kata {kata.id}: the starter is not valid Python: {exc.msg}") from exc
    grading = "\n".join([
        "# Grade the function above: run this cell after every change.",
        "# In Colab, install the grader first: !pip install normkatas",
        "import normkatas",
        "",
        f'normkatas.grade({kata.entry}, kata="{kata.id}")',
    ])
    cells = [
        _cell("markdown", _statement_markdown(kata)),
        _cell("code", function),
        _cell("markdown", "## Grade"),
        _cell("code", grading),
    ]
    data = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"
