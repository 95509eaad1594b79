"""A cache of validated katas, so that `grade` need not parse YAML on every run.

Reading a kata file with PyYAML and validating it costs 5-10 ms (and importing
PyYAML as much again); decoding the validated `Kata` from msgpack costs
about 0.1 ms.  An entry holds the file's bytes and a stamp of the code that
turns bytes into a `Kata` (this package's loader modules, PyYAML, msgspec,
Python), and is used only when both are exactly the same as now: an edited
kata or an upgraded grader never sees a stale entry.  (Entries are named by
a checksum of the bytes; two files that share one just take turns.)  Only
valid katas are cached: a file with an error is parsed (and its error
reported) every time.

Location: ``$NORMKATAS_CACHE_DIR``, else ``$XDG_CACHE_HOME/normkatas``, else
``~/.cache/normkatas``; ``NORMKATAS_NO_CACHE=1`` turns it off.  Every cache
problem (unwritable folder, corrupt or foreign entry) falls back to parsing:
the cache can make loading faster, never different.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import msgspec

from normkatas.spec.model import Kata

FORMAT = b"normkatas-spec-cache-1"
MAX_ENTRIES = 512
"""Past this many entries, a write removes the older half."""
_LOADER_MODULES = (
    "model.py", "load.py", "validate.py", "typecheck.py", "_yaml.py", "cache.py",
    "conventions.py", "questions.py", "sequence.py",
)

_stamp: bytes | None = None


class _Entry(msgspec.Struct, array_like=True):
    stamp: bytes
    raw: bytes
    kata: Kata


_decoder = msgspec.msgpack.Decoder(_Entry)
_encoder = msgspec.msgpack.Encoder()


def cache_dir() -> Path | None:
    """The folder of cached katas, or None when caching is turned off."""
    if os.environ.get("NORMKATAS_NO_CACHE", "") not in ("", "0"):
        return None
    explicit = os.environ.get("NORMKATAS_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return None
    return Path(base) / "normkatas"


def _file_stamp(path: str | None) -> bytes:
    if not path:
        return b"-"
    try:
        st = os.stat(path)
    except OSError:
        return b"-"
    return f"{path}:{st.st_mtime_ns}:{st.st_size}".encode()


def code_stamp() -> bytes:
    """What the parsed result depends on besides the file's bytes."""
    global _stamp
    if _stamp is None:
        here = os.path.dirname(os.path.abspath(__file__))
        parts = [FORMAT, sys.version.encode(), msgspec.__version__.encode()]
        parts += [_file_stamp(os.path.join(here, name)) for name in _LOADER_MODULES]
        try:
            yaml_spec = importlib.util.find_spec("yaml")
        except (ImportError, ValueError):
            yaml_spec = None
        parts.append(_file_stamp(yaml_spec.origin if yaml_spec is not None else None))
        _stamp = b"\0".join(parts)
    return _stamp


def _name(raw: bytes) -> str:
    return f"{zlib.crc32(raw):08x}-{zlib.adler32(raw):08x}-{len(raw)}.msgpack"


def cached_kata(raw: bytes, parse: Callable[[], Kata]) -> Kata:
    """The kata the file bytes ``raw`` hold: from the cache, else ``parse()`` (then stored).

    ``parse`` raises for an invalid file; nothing is stored then.
    """
    folder = cache_dir()
    if folder is None:
        return parse()
    entry = folder / _name(raw)
    stamp = code_stamp()
    try:
        data = entry.read_bytes()
    except OSError:
        data = None
    if data is not None:
        try:
            cached = _decoder.decode(data)
            if cached.stamp == stamp and cached.raw == raw:
                return cached.kata
        except (msgspec.DecodeError, ValueError, TypeError):
            pass  # corrupt or foreign: parse, then overwrite it
    kata = parse()
    _store(folder, entry, _Entry(stamp, raw, kata))
    return kata


def _store(folder: Path, entry: Path, value: _Entry) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = entry.with_name(f".{entry.name}.{os.getpid()}.tmp")
        try:
            tmp.write_bytes(_encoder.encode(value))
            os.replace(tmp, entry)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _prune(folder)
    except (OSError, TypeError, ValueError, msgspec.EncodeError):
        pass  # a cache we cannot write is no cache


def _prune(folder: Path) -> None:
    try:
        entries = [p for p in folder.iterdir() if p.suffix == ".msgpack"]
        if len(entries) <= MAX_ENTRIES:
            return
        entries.sort(key=lambda p: p.stat().st_mtime_ns)
        for old in entries[: len(entries) // 2]:
            with contextlib.suppress(OSError):
                old.unlink()
    except OSError:
        pass
