"""Where the bundled katas and reference solutions live.

From a wheel they ship as ``normkatas/_data/{katas,solutions}``; from a source
checkout they are the top-level ``katas/`` and ``solutions/`` folders.  This
is the one place that knows.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def data_dir(name: str) -> Path:
    """The bundled ``katas`` or ``solutions`` folder."""
    if name not in ("katas", "solutions"):
        raise ValueError(f"unknown data folder {name!r}")
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent.parent / name
