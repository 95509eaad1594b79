"""The one snapshot tool of the suite.

``assert_snapshot(path, text)``: ``text`` must equal the file at ``path``.
Run the tests with ``UPDATE_SNAPSHOTS=1`` to (re)write snapshots instead; a
missing snapshot fails the test (after writing it, for review).
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

UPDATE = "UPDATE_SNAPSHOTS"


def updating() -> bool:
    return os.environ.get(UPDATE) == "1"


def assert_snapshot(path: Path, text: str) -> None:
    if updating():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or _read(path) != text:
            path.write_bytes(text.encode("utf-8"))
        return
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        raise AssertionError(f"new snapshot written to {path}: review it and commit it")
    old = _read(path)
    if text != old:
        diff = "".join(difflib.unified_diff(
            old.splitlines(keepends=True), text.splitlines(keepends=True),
            fromfile=f"snapshot/{path.name}", tofile="now",
        ))
        raise AssertionError(f"snapshot {path} differs ({UPDATE}=1 to accept):\n{diff}")


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")  # bytes: no newline translation
