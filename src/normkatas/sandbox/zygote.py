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

import contextlib
import gc
import os
import select
import signal
import socket
import sys
import time
import traceback
from typing import NoReturn

from normkatas.sandbox import isolation, limits, procs, supervisor
from normkatas.sandbox.protocol import recv_frame, send_frame

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


def _hide_grader() -> None:
    """What the fork server inherited from the grader that a job must not find: the
    environment (tokens, CI command files) and the command line (other submissions)."""
    isolation.clean_environment()
    isolation.scrub_process_blocks()
    for name, value in os.environ.items():  # the C copies pointed into the zeroed block
        os.putenv(name, value)


EXIT_JOB_DONE = 0
EXIT_GRADER_GONE = 3


def _job_process(channel: socket.socket, slot: isolation.SlotState) -> int:
    """One job, in a process forked from the clean server: read it, supervise, answer."""
    limits.become_subreaper()
    limits.die_with_parent(signal.SIGKILL)  # the fork server killed: this job goes too
    isolation.set_undumpable()
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
    while True:
        frame = recv_frame(channel, MAX_JOB_PAYLOAD)
        if frame is None:
            return EXIT_GRADER_GONE
        header, payload = frame
        if header.get("op") == "run":
            break  # (anything else is a cancel that crossed the outcome on the wire)
    outcome, parts, grader_gone = supervisor.run_job(header, payload, channel, wake_r, slot)
    del header, payload
    if grader_gone:
        return EXIT_GRADER_GONE
    send_frame(channel, outcome, parts)
    return EXIT_JOB_DONE


def _serve(channel: socket.socket, slot_index: int, options: isolation.IsolationOptions) -> int:
    if options.enabled:
        _hide_grader()
    # First, while this process has a single thread (a user namespace needs that; asking
    # BLAS for one thread, in _setup, may start one).
    slot = isolation.setup_slot(slot_index, options)
    _, warnings = _setup()
    isolation.set_undumpable()
    send_frame(channel, {
        "op": "ready", "pid": os.getpid(), "warnings": warnings,
        "protections": slot.protections.to_dict(),
    })
    # This process never reads a job: each job is read, run and answered by a child
    # forked from here when one arrives, so no worker inherits another job's data.
    while True:
        select.select([channel], [], [])
        try:
            if not channel.recv(1, socket.MSG_PEEK):
                return 0  # the grader hung up
        except (BlockingIOError, InterruptedError):
            continue
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = _job_process(channel, slot)
            except (BrokenPipeError, ConnectionResetError):
                code = EXIT_GRADER_GONE
            except BaseException:
                with contextlib.suppress(BaseException):
                    traceback.print_exc()
                    sys.stderr.flush()
            finally:
                os._exit(code)
        while True:
            _, status = os.waitpid(pid, 0)
            if os.WIFEXITED(status) or os.WIFSIGNALED(status):
                break
        procs.kill_descendants(time.monotonic() + 2.0)
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != EXIT_JOB_DONE:
            return 0 if os.WIFEXITED(status) and os.WEXITSTATUS(status) == EXIT_GRADER_GONE else 1
        send_frame(channel, {"op": "idle"})  # every process of that job is gone


def serve(
    channel: socket.socket, slot: int = 0, options: isolation.IsolationOptions | None = None
) -> NoReturn:
    """Run the server on ``channel`` until the grader hangs up; never returns."""
    code = 1
    try:
        code = _serve(channel, slot, options or isolation.IsolationOptions(enabled=False))
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
    """Spawn-mode entry point: ``argv[1]`` is the inherited socket's fd, ``argv[2]`` the
    slot, ``argv[3]`` the isolation options (JSON)."""
    import json

    channel = socket.socket(fileno=int(sys.argv[1]))
    slot = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    raw = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {"enabled": False}
    serve(channel, slot, isolation.IsolationOptions(**raw))


if __name__ == "__main__":
    main()
