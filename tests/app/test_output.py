"""Writing reports and choosing colour."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from normkatas.app.output import color_wanted, write_atomic


def test_write_atomic_replaces_whole_and_keeps_normal_permissions(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "results.json"
    write_atomic(target, "first")
    write_atomic(target, "second")
    assert target.read_text() == "second"
    assert [p.name for p in target.parent.iterdir()] == ["results.json"]
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize(
    ("choice", "no_color", "tty", "to_file", "expected"),
    [
        ("always", "1", False, True, True),
        ("never", "", True, False, False),
        ("auto", "", True, False, True),
        ("auto", "1", True, False, False),
        ("auto", "", True, True, False),
        ("auto", "", False, False, False),
    ],
)
def test_color_wanted(
    monkeypatch: pytest.MonkeyPatch,
    choice: str, no_color: str, tty: bool, to_file: bool, expected: bool,
) -> None:
    if no_color:
        monkeypatch.setenv("NO_COLOR", no_color)
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr("sys.stdout.isatty", lambda: tty)
    assert color_wanted(choice, to_file=to_file) is expected
