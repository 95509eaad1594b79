"""Sealing each student's result so that ``--resume`` trusts only what the grader wrote.

A result file in ``results/`` is only as good as the folder it lies in.  Every
record the grader writes carries ``"seal": "hmac-sha256:<hex>"``, an HMAC over
the record's canonical JSON (keys sorted, without the seal itself) under a key
of 32 random bytes.  ``--resume`` recomputes it and grades again every student
whose file is missing, altered, or sealed under another key.

The key lives in the output folder, in ``.grader-key``: created with
``O_EXCL`` and mode 0600 by the grader, read only when it is still a regular
file owned by the grader's user with no group or other permissions (else a
new key is made, and every earlier result is graded again).  The output
folder is outside what a job can see when the sandbox runs jobs under another
identity, and 0600 keeps the key from other users of a shared folder.  Kept
in the folder (rather than in the grader's home), the key travels with the
results when an operator moves or copies a run, and disappears with it.
On a platform without protections (``--allow-unprotected``) the job runs as
the grader's own user and could read the key: there the seal only catches
accidents, which the operator's warnings say.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path
from typing import Any

import msgspec

KEY_FILE = ".grader-key"
SEAL_FIELD = "seal"
_PREFIX = "hmac-sha256:"


def _canonical(record: dict[str, Any]) -> bytes:
    body = {k: v for k, v in record.items() if k != SEAL_FIELD}
    return msgspec.json.encode(body, order="sorted")


def seal(record: dict[str, Any], key: bytes) -> dict[str, Any]:
    """The record with its seal (a new dict; the input is left as it was)."""
    digest = hmac.new(key, _canonical(record), hashlib.sha256).hexdigest()
    return {**record, SEAL_FIELD: _PREFIX + digest}


def verify(record: object, key: bytes) -> bool:
    """True when ``record`` (a decoded JSON value) carries a valid seal under ``key``."""
    if not isinstance(record, dict):
        return False
    mark = record.get(SEAL_FIELD)
    if not isinstance(mark, str) or not mark.startswith(_PREFIX):
        return False
    try:
        expected = hmac.new(key, _canonical(record), hashlib.sha256).hexdigest()
    except (TypeError, ValueError, OverflowError):
        return False
    return hmac.compare_digest(expected, mark[len(_PREFIX):])


def read_key(folder: Path) -> bytes | None:
    """The folder's key, when it is one only the grader's user can have written and read."""
    path = folder / KEY_FILE
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_mode & 0o077:
            return None
        if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
            return None
        data = os.read(fd, 256)
    finally:
        os.close(fd)
    try:
        key = bytes.fromhex(data.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        return None
    return key if len(key) >= 32 else None


def load_or_create_key(folder: Path) -> bytes:
    """The folder's key; a new one (replacing any untrustworthy file) when there is none."""
    key = read_key(folder)
    if key is not None:
        return key
    folder.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    path = folder / KEY_FILE
    tmp = folder / f".{KEY_FILE}.{secrets.token_hex(8)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, key.hex().encode("ascii") + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return key
