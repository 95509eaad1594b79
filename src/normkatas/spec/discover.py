"""Which functions a student's file defines, read with `ast` (the file is not run).

Counted: top-level ``def`` / ``async def``; top-level assignments of a
lambda, a name or an attribute (``batch_normalization = my_impl``,
``f: Callable = lambda x: x``, ``a = b = impl``).  Statements inside
module-level ``if`` / ``try`` / ``with`` blocks count too (they run on
import), except under ``if __name__ == "__main__":``.  Classes and function
bodies are not searched.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

__all__ = ["defined_functions"]

_TRY: tuple[type[ast.Try], ...] = (ast.Try, getattr(ast, "TryStar", ast.Try))


def _is_main_guard(node: ast.If) -> bool:
    test = node.test
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)
    )


def _callable_value(node: ast.expr | None) -> bool:
    return isinstance(node, (ast.Lambda, ast.Name, ast.Attribute))


def _names(body: list[ast.stmt]) -> Iterator[str]:
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name
        elif isinstance(node, ast.Assign) and _callable_value(node.value):
            yield from (t.id for t in node.targets if isinstance(t, ast.Name))
        elif (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and _callable_value(node.value)
        ):
            yield node.target.id
        elif isinstance(node, ast.If):
            if not _is_main_guard(node):
                yield from _names(node.body)
            yield from _names(node.orelse)
        elif isinstance(node, _TRY):
            yield from _names(node.body)
            for handler in node.handlers:
                yield from _names(handler.body)
            yield from _names(node.orelse)
            yield from _names(node.finalbody)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            yield from _names(node.body)


def defined_functions(path: str | Path) -> list[str]:
    """Function names ``path`` defines at top level, in order, without duplicates.

    Raises SyntaxError (also for null bytes) as is; OSError if unreadable.
    """
    return functions_in(Path(path).read_bytes(), str(path))


def functions_in(source: str | bytes, filename: str = "<string>") -> list[str]:
    """`defined_functions` of a module's text."""
    try:
        tree = ast.parse(source, filename=filename)
    except ValueError as exc:  # Python < 3.12: "source code string cannot contain null bytes"
        raise SyntaxError(str(exc), (filename, 1, 1, "")) from None
    return list(dict.fromkeys(_names(tree.body)))
