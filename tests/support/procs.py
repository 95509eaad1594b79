"""The live processes of the machine, read from /proc (Linux): what a test looks for
when it asks whether anything of a run survived."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Process:
    pid: int
    cmdline: bytes
    """The command line, arguments separated by spaces."""
    cwd: bytes
    """The working folder, with a trailing "/" (empty when it cannot be read)."""
    environ: bytes
    """The environment as the kernel keeps it (empty when it cannot be read)."""


def alive(pid: int) -> bool:
    """Is ``pid`` running?  (Gone, or a zombie waiting to be reaped: no.)"""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return False


def live_processes() -> Iterator[Process]:
    """Every running process but this one; zombies (exited, waiting to be reaped) are
    not running and are left out."""
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        if not alive(int(name)):
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ")
        except (OSError, IndexError):
            continue
        yield Process(int(name), cmdline, _cwd(name), _environ(name))


def _cwd(name: str) -> bytes:
    try:
        return os.fsencode(os.readlink(f"/proc/{name}/cwd")) + b"/"
    except OSError:
        return b""


def _environ(name: str) -> bytes:
    try:
        with open(f"/proc/{name}/environ", "rb") as f:
            return f.read()
    except OSError:
        return b""
