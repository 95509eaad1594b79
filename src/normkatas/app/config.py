"""Project configuration: the `[tool.grade]` table of a classroom repo's pyproject.toml.

```toml
[tool.grade]
katas-dir = ["instructor/katas"]   # or a single string; relative to pyproject.toml
```
"""

from __future__ import annotations

import sys
from pathlib import Path


def find_pyproject(start: Path) -> Path | None:
    for folder in [start, *start.parents]:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def project_katas_dirs(start: Path) -> list[Path]:
    """Kata folders named by the nearest pyproject.toml's ``[tool.grade]`` table."""
    pyproject = find_pyproject(start)
    if pyproject is None:
        return []
    try:
        raw = pyproject.read_bytes()
    except OSError:
        return []
    if b"grade" not in raw:  # no [tool.grade] table: skip importing a TOML parser
        return []
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        try:
            import tomli as tomllib  # type: ignore[import-not-found]
        except ImportError:
            return []
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    table = data.get("tool", {}).get("grade", {})
    if not isinstance(table, dict):
        return []
    value = table.get("katas-dir", table.get("katas_dir", []))
    entries = [value] if isinstance(value, str) else value
    if not isinstance(entries, list):
        return []
    return [
        (pyproject.parent / entry).resolve()
        for entry in entries
        if isinstance(entry, str) and (pyproject.parent / entry).is_dir()
    ]
