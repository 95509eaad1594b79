"""JSON Schema of kata files, for editors (yaml-language-server) and CI.

Regenerate the committed copy with::

    python -m normkatas.spec.schema > katas/kata.schema.json

The schema is strict (numbers are numbers); only the loader forgives a
number written as text.  Cross-field rules (case args vs params, layout
letters, ...) are the loader's alone.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

import msgspec

from normkatas.spec.model import Kata

SCHEMA_ID = "urn:normkatas:kata.schema.json"
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def kata_json_schema() -> dict[str, Any]:
    """The JSON Schema of one kata file."""
    generated = _clean_docstrings(msgspec.json.schema(Kata))
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        "title": "normkatas kata",
        "description": (
            "A normkatas kata file (katas/*.yaml): the function to write, its "
            "reference solution and the graded cases. Generated from "
            "src/normkatas/spec/model.py by `python -m normkatas.spec.schema`."
        ),
        **generated,
    }


def _clean_docstrings(node: Any) -> Any:
    """Every ``description`` through `inspect.cleandoc`: msgspec copies docstrings as
    Python keeps them, and Python 3.13 (and msgspec 0.23) strip their indentation
    while older versions keep it; the committed schema must not depend on either."""
    if isinstance(node, dict):
        return {
            k: inspect.cleandoc(v) if k == "description" and isinstance(v, str)
            else _clean_docstrings(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_clean_docstrings(v) for v in node]
    return node


REGENERATE = "python -m normkatas.spec.schema > katas/kata.schema.json"
"""The command, run from the repository's root, that rewrites the committed schema."""


def render_schema() -> str:
    """The schema as the committed file holds it (2-space indent, final newline)."""
    return json.dumps(kata_json_schema(), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    print(render_schema(), end="")


if __name__ == "__main__":
    main()
