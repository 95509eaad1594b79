"""Framing shared by the grader, the fork server and the worker: no pickle.

A frame is a fixed prefix (magic, header length, payload length), a JSON
header (ASCII, objects only) and a raw payload.  Arrays travel in the
payload; the header says where (offset, byte count), which dtype and shape.
Every reader bounds what it accepts before allocating, so a lying prefix is
a :class:`ProtocolError`, never a crash or a giant allocation.
"""

from __future__ import annotations

import json
import os
import socket
import struct
from collections.abc import Callable, Sequence
from typing import Any

MAGIC = b"NKSB"
PREFIX = struct.Struct("!4sIQ")
MAX_HEADER = 64 * 1024 * 1024
"""No header we write comes near this; anything larger is refused unread."""

Buffer = bytes | bytearray | memoryview
Header = dict[str, Any]

_dumps = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), allow_nan=True).encode
_loads = json.JSONDecoder().decode


def _write_each(fd: int, buffers: Sequence[memoryview]) -> int:
    """``os.writev`` where the system has none (Windows): one write per buffer."""
    written = 0
    for buf in buffers:
        n = os.write(fd, buf)
        written += n
        if n < buf.nbytes:
            break
    return written


def _read_into(fd: int, buffers: Sequence[memoryview]) -> int:
    """``os.readv`` of one buffer where the system has none (Windows)."""
    data = os.read(fd, buffers[0].nbytes)
    buffers[0][: len(data)] = data
    return len(data)


_writev = getattr(os, "writev", _write_each)
_readv = getattr(os, "readv", _read_into)
_IOV_MAX = 512
READ_SIZE = 64 * 1024
"""What `FrameReader` asks for at a time outside a payload: small frames arrive whole."""
COALESCE_BYTES = 256 * 1024
"""`send_frame` joins parts smaller than this into one send."""


class ProtocolError(Exception):
    """A malformed frame (bad magic, sizes over the bounds, bad JSON)."""


def _nbytes(part: Buffer) -> int:
    return part.nbytes if isinstance(part, memoryview) else len(part)


def encode_frame(
    header: Header, parts: Sequence[Buffer] = (), *, known: tuple[str, bytes] | None = None
) -> list[Buffer]:
    """The buffers to write, in order: prefix+header, then the payload parts.
    ``known``: one entry of the header (its key, and its value already as JSON)."""
    if known is None:
        head = _dumps(header).encode("ascii")
    else:
        key, value = known
        rest = _dumps({k: v for k, v in header.items() if k != key}).encode("ascii")
        head = rest[:-1] + (b"," if len(rest) > 2 else b"") + _dumps(key).encode("ascii") \
            + b":" + value + b"}"
    payload_len = sum(_nbytes(p) for p in parts)
    return [PREFIX.pack(MAGIC, len(head), payload_len) + head, *parts]


def dumps(value: Any) -> bytes:
    """JSON as the frames carry it."""
    return _dumps(value).encode("ascii")


def parse_prefix(prefix: Buffer, max_payload: int) -> tuple[int, int]:
    magic, header_len, payload_len = PREFIX.unpack(prefix)
    if magic != MAGIC:
        raise ProtocolError("bad frame magic")
    if header_len > MAX_HEADER:
        raise ProtocolError(f"frame header of {header_len} bytes")
    if payload_len > max_payload:
        raise ProtocolError(f"frame payload of {payload_len} bytes (limit {max_payload})")
    return header_len, payload_len


def parse_header(raw: Buffer) -> Header:
    try:
        header = _loads(bytes(raw).decode("ascii"))
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"bad frame header: {exc}") from None
    if not isinstance(header, dict):
        raise ProtocolError("frame header is not an object")
    return header


def send_frame(sock: socket.socket, header: Header, parts: Sequence[Buffer] = ()) -> None:
    """Send a whole frame; small parts go out joined (one system call, not one each)."""
    small: list[Buffer] = []
    size = 0
    for buf in encode_frame(header, parts):
        n = _nbytes(buf)
        if n >= COALESCE_BYTES:
            if small:
                sock.sendall(b"".join(small))
                small, size = [], 0
            sock.sendall(buf)
            continue
        small.append(buf)
        size += n
        if size >= COALESCE_BYTES:
            sock.sendall(b"".join(small))
            small, size = [], 0
    if small:
        sock.sendall(b"".join(small))


def write_some(fd: int, views: list[memoryview]) -> None:
    """One write of what is left in ``views`` (what was written is taken off the list);
    raises BlockingIOError on a full non-blocking pipe."""
    written = _writev(fd, views[:_IOV_MAX])
    while views and written >= views[0].nbytes:
        written -= views[0].nbytes
        views.pop(0)
    if written:
        views[0] = views[0][written:]


def frame_views(buffers: Sequence[Buffer]) -> list[memoryview]:
    """A frame's buffers as byte views for `write_some` (empty ones left out)."""
    views = [memoryview(buf).cast("B") for buf in buffers]
    return [v for v in views if v.nbytes]


def write_frame(fd: int, header: Header, parts: Sequence[Buffer] = ()) -> None:
    """Write a whole frame to a blocking fd (the worker's result pipe), in as few
    system calls as the kernel allows (one, for a frame that fits the pipe)."""
    views = frame_views(encode_frame(header, parts))
    while views:
        write_some(fd, views)


def _read_exact(
    read_into: Callable[[memoryview], int], size: int, *, eof_ok: bool = False
) -> bytearray | None:
    buf = bytearray(size)
    view = memoryview(buf)
    got = 0
    while got < size:
        n = read_into(view[got:])
        if n == 0:
            if eof_ok and got == 0:
                return None
            raise ProtocolError("end of stream in the middle of a frame")
        got += n
    return buf


def _recv_exact(sock: socket.socket, size: int) -> bytearray:
    buf = _read_exact(sock.recv_into, size)
    assert buf is not None
    return buf


def _read_whole_frame(
    read_into: Callable[[memoryview], int], max_payload: int
) -> tuple[Header, bytearray] | None:
    prefix = _read_exact(read_into, PREFIX.size, eof_ok=True)
    if prefix is None:
        return None
    header_len, payload_len = parse_prefix(prefix, max_payload)
    raw = _read_exact(read_into, header_len)
    payload = _read_exact(read_into, payload_len)
    assert raw is not None and payload is not None
    return parse_header(raw), payload


def recv_frame(sock: socket.socket, max_payload: int) -> tuple[Header, bytearray] | None:
    """Read one frame from a blocking socket; None on a clean end of stream."""
    return _read_whole_frame(sock.recv_into, max_payload)


def read_frame(fd: int, max_payload: int) -> tuple[Header, bytearray] | None:
    """Read one frame from a blocking fd (the worker's job pipe); None at end of stream."""
    return _read_whole_frame(lambda view: _readv(fd, [view]), max_payload)


def send_frame_with_fds(sock: socket.socket, header: Header, fds: Sequence[int]) -> None:
    """Send a small frame (no payload) with file descriptors attached (SCM_RIGHTS)."""
    (data,) = encode_frame(header)
    send_fds = getattr(socket, "send_fds")  # (POSIX only: the fork servers')  # noqa: B009
    sent = send_fds(sock, [data], list(fds))
    if sent < len(data):
        sock.sendall(memoryview(data)[sent:])


def recv_frame_with_fds(
    sock: socket.socket, max_fds: int
) -> tuple[Header, list[int]] | None:
    """Read one frame with no payload and the descriptors that came with it; None on a
    clean end of stream.  Descriptors that came with a bad frame are closed."""
    recv_fds = getattr(socket, "recv_fds")  # noqa: B009
    data, fds, flags, _ = recv_fds(sock, PREFIX.size, max_fds)
    try:
        if not data:
            if fds:
                raise ProtocolError("descriptors without a frame")
            return None
        if flags & getattr(socket, "MSG_CTRUNC", 0):
            raise ProtocolError("too many descriptors with a frame")
        rest = _recv_exact(sock, PREFIX.size - len(data)) if len(data) < PREFIX.size else b""
        header_len, _ = parse_prefix(bytes(data) + bytes(rest), 0)
        raw = _recv_exact(sock, header_len)
        assert raw is not None
        return parse_header(raw), fds
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise


class FrameReader:
    """Incremental frame parser for a non-blocking pipe (the worker's results).

    ``max_payload`` bounds the payload bytes of the whole stream, not just of
    one frame: the worker cannot make the grader buffer more than that.
    It reads what is there (up to `READ_SIZE`) and parses every whole frame
    in it; a malformed frame after good ones is reported (raised) on the next
    read, once the good ones are in ``frames``.
    """

    def __init__(self, max_payload: int, chunk: int = 1 << 20) -> None:
        self._budget = max_payload
        self._chunk = chunk
        self._buf = bytearray()
        """Bytes read and not yet parsed: a prefix and header (and what follows)."""
        self._header: Header | None = None
        self._payload: bytearray | None = None
        self._got = 0
        self._error: ProtocolError | None = None
        self.frames: list[tuple[Header, bytearray]] = []

    @property
    def idle(self) -> bool:
        """True between frames (no partial frame pending)."""
        return not self._buf and self._payload is None

    def read_from(self, fd: int) -> bool:
        """Read what is available; False at end of stream (or nothing to read)."""
        if self._error is not None:
            raise self._error
        try:
            if self._payload is not None:
                view = memoryview(self._payload)[self._got :]
                n = _readv(fd, [view[: self._chunk]])
                if n:
                    self._got += n
                    self._finish_payload()
                    self._parse()
                return n > 0
            data = os.read(fd, READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return True
        if not data:
            return False
        self._buf += data
        self._parse()
        return True

    def _parse(self) -> None:
        done = len(self.frames)
        try:
            while self._payload is None and len(self._buf) >= PREFIX.size:
                header_len, payload_len = parse_prefix(self._buf[: PREFIX.size], self._budget)
                start = PREFIX.size + header_len
                if len(self._buf) < start:
                    return
                self._header = parse_header(memoryview(self._buf)[PREFIX.size : start])
                self._budget -= payload_len
                have = min(len(self._buf) - start, payload_len)
                self._payload = bytearray(payload_len)
                self._payload[:have] = self._buf[start : start + have]
                self._got = have
                del self._buf[: start + have]
                self._finish_payload()
        except ProtocolError as exc:
            if len(self.frames) == done:
                raise
            self._error = exc  # the frames before it first

    def _finish_payload(self) -> None:
        if self._payload is None or self._got < len(self._payload):
            return
        assert self._header is not None
        self.frames.append((self._header, self._payload))
        self._header = None
        self._payload = None
