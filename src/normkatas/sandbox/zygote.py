"""The fork server: a single-threaded process that supervises one job at a time.

Fork mode: forked from the grader right after numpy is imported (see
``client``), it calls :func:`serve` and never returns into the grader's code.
Spawn mode: started as ``python -c "...zygote.main()" FD`` where FD is its
end of a socketpair.  Either way it says ``ready``, then answers each ``run``
frame with an ``outcome`` frame, and exits when the grader hangs up.

It is a child subreaper on Linux, so nothing a worker leaves behind escapes
the clean-up after each job.
"""

from __future__ import annotations

import gc
import os
import signal
import socket
import sys
import time
import traceback
from typing import NoReturn

from normkatas.sandbox import limits, procs, supervisor
from normkatas.sandbox.protocol import ProtocolError, recv_frame, send_frame

MAX_JOB_PAYLOAD = 1 << 40


def _noop(signum: int, frame: object) -> None:
    pass


def _default_signals() -> None:
    """Drop the grader's Python-level signal handlers (fork mode inherits them)."""
    for sig in signal.valid_signals():
        try:
            if callable(signal.getsignal(sig)):
                signal.signal(sig, signal.SIG_DFL)
        except (OSError, ValueError):
            continue


def _setup() -> tuple[int, list[str]]:
    """Signals, stdio, subreaper; returns the SIGCHLD wake-up fd and warnings."""
    warnings: list[str] = []
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # a grader started with closed stdio must not lend fds 0-2 to pipes
        try:
            os.fstat(fd)
        except OSError:
            os.dup2(devnull, fd)
    os.dup2(devnull, 0)
    os.close(devnull)
    _default_signals()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the grader's; it hangs up on us
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
    signal.signal(signal.SIGCHLD, _noop)
    limits.prepare()
    if limits.IS_LINUX and not limits.become_subreaper():
        warnings.append("could not become a child subreaper: daemons may escape clean-up")
    if not limits.IS_LINUX:
        warnings.append("no /proc: only the worker's process group is killed after a job")
    try:
        limits.limit_blas_threads()
    except Exception as exc:  # best effort only
        warnings.append(f"could not limit BLAS threads: {exc}")
    gc.freeze()  # workers must not touch (nor free) the objects inherited from the grader
    return wake_r, warnings


def _serve(channel: socket.socket) -> int:
    wakeup, warnings = _setup()
    send_frame(channel, {"op": "ready", "pid": os.getpid(), "warnings": warnings})
    last: tuple[object, bytearray] | None = None  # the previous job's calls and payload
    while True:
        frame = recv_frame(channel, MAX_JOB_PAYLOAD)
        if frame is None:
            return 0
        header, payload = frame
        if header.get("op") != "run":
            continue  # a cancel that crossed the outcome on the wire
        if header.get("same_calls"):  # the grader sends the same calls again: reuse them
            if last is None:
                raise ProtocolError("a job repeating calls this server never received")
            header["calls"], payload = last
        else:
            last = (header.get("calls"), payload)
        outcome, parts, grader_gone = supervisor.run_job(header, payload, channel, wakeup)
        del header, payload
        if grader_gone:
            return 0
        outcome["warnings"] = [*warnings, *outcome["warnings"]]
        send_frame(channel, outcome, parts)
        del outcome, parts


def serve(channel: socket.socket) -> NoReturn:
    """Run the server on ``channel`` until the grader hangs up; never returns."""
    code = 1
    try:
        code = _serve(channel)
    except (BrokenPipeError, ConnectionResetError):
        code = 0
    except BaseException:
        try:
            traceback.print_exc()
            sys.stderr.flush()
        except BaseException:
            pass
    finally:
        try:
            procs.kill_descendants(time.monotonic() + 2.0)
        finally:
            os._exit(code)


def main() -> NoReturn:
    """Spawn-mode entry point: ``argv[1]`` is the inherited socket's fd."""
    channel = socket.socket(fileno=int(sys.argv[1]))
    serve(channel)


if __name__ == "__main__":
    main()
