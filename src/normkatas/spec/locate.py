"""Lines of a kata file's keys, for messages about a kata that loaded fine.

`grade check` finds problems after loading (a case the reference refuses, a
written value that disagrees); `lines_of` re-reads the YAML to say where.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

Locate = Callable[[tuple[str | int, ...]], int | None]


def no_lines(path: tuple[str | int, ...]) -> int | None:
    return None


def lines_of(file: str | Path | None) -> Locate:
    """``path -> 1-based line`` for the kata file (the nearest enclosing key when a
    path has no line of its own); every line is None when it cannot be read."""
    if file is None:
        return no_lines
    from normkatas.spec._yaml import YamlProblem, decode, read_yaml

    try:
        doc = read_yaml(decode(Path(file).read_bytes()))
    except (OSError, YamlProblem):
        return no_lines

    def locate(path: tuple[str | int, ...]) -> int | None:
        for end in range(len(path), 0, -1):
            line = doc.line(path[:end])
            if line is not None:
                return line
        return None

    return locate
