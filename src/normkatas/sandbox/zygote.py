"""The fork server: forks each job's worker and waits for it, never holding a job's data.

Fork mode: forked from the grader right after numpy is imported (see
``client``), it calls :func:`serve` and never returns into the grader's code.
Spawn mode: started as ``python -c "...zygote.main()" FD`` where FD is its
end of a socketpair.  Either way it sets its slot up once (identity,
namespaces, the filesystem view, the pid namespace and its init:
:mod:`.reaper`), says ``ready``, and then, one job at a time: a ``run`` frame
brings the ends of the worker's pipes (job in; results, stdout and stderr
out), never the job; it forks the worker, which reads the job itself, and
waits for it, killing it when the grader says ``kill`` (the grader, which
reads the pipes, owns the clock: :mod:`.watch`).  When the worker has ended,
everything the job started is killed (the namespace's init clears it; without
a pid namespace, this process is a child subreaper and kills its
descendants), and only then does it answer ``exited`` with the worker's wait
status and resource usage.  It exits when the grader hangs up.
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
from typing import Any, NoReturn

from normkatas.sandbox import isolation, limits, procs, worker
from normkatas.sandbox import reaper as reaper_mod
from normkatas.sandbox.protocol import (
    ProtocolError,
    recv_frame,
    recv_frame_with_fds,
    send_frame,
)


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


PROCESS_NAME = "normkatas-srv"
JOB_FDS = 4
"""A ``run`` frame brings the job's pipe ends: the job to read, and the result, stdout
and stderr pipes to write."""


class _Slot:
    """What the server keeps between jobs: the channel, the slot's isolation, the
    SIGCHLD wake-up fd and (with a pid namespace) the namespace's init."""

    def __init__(
        self, channel: socket.socket, state: isolation.SlotState, wakeup: int,
        reaper: reaper_mod.SlotReaper | None,
    ) -> None:
        self.channel = channel
        self.state = state
        self.wakeup = wakeup
        self.reaper = reaper


def _fork_worker(slot: _Slot, header: dict[str, object], fds: list[int]) -> int:
    job_r, res_w, out_w, err_w = fds
    scratch = header.get("scratch")
    parent = 0 if slot.reaper is not None else os.getpid()
    pid = os.fork()
    if pid == 0:
        try:
            slot.channel.close()
            if slot.reaper is not None:
                slot.reaper.forget()
            pipes = worker.WorkerPipes(res_w, out_w, err_w)
            worker.run(parent, job_r, pipes, slot.state,
                       scratch if isinstance(scratch, str) else None)
        finally:
            os._exit(worker.EXIT_INTERNAL)
    return pid


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 4096):
            pass
    except (BlockingIOError, InterruptedError):
        pass


def _kill_job(pid: int) -> None:
    procs.kill_group(pid)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _supervise(slot: _Slot, pid: int) -> tuple[int, Any, bool]:
    """Wait for the worker to end, killing it when the grader says so; returns its wait
    status, its resource usage and whether the grader hung up."""
    grader_gone = False
    while True:
        got, status, usage = os.wait4(pid, os.WNOHANG)
        if got:
            return status, usage, grader_gone
        ready, _, _ = select.select([slot.channel.fileno(), slot.wakeup], [], [])
        if slot.wakeup in ready:
            _drain(slot.wakeup)
        if slot.channel.fileno() in ready and not grader_gone:
            try:
                frame = recv_frame(slot.channel, 0)
            except (OSError, ProtocolError):
                frame = None
            grader_gone = frame is None
            _kill_job(pid)  # ("kill", or the grader is gone)


def _clear(slot: _Slot, pid: int) -> bool:
    """Every process of the job is gone (True), or the slot cannot go on (False)."""
    if slot.reaper is not None:
        return slot.reaper.clear()
    procs.kill_group(pid)
    if slot.state.uid is not None:
        isolation.kill_identity(slot.state.uid)
    return procs.kill_descendants(time.monotonic() + 2.0)


def _run_job(slot: _Slot, header: dict[str, object], fds: list[int]) -> bool:
    """One job: fork its worker, wait for it, clear what it left; False: stop serving."""
    try:
        pid = _fork_worker(slot, header, fds)
    except OSError as exc:
        send_frame(slot.channel, {"op": "exited", "error": f"could not start: {exc}"})
        return True
    finally:
        for fd in fds:
            os.close(fd)
    status, usage, grader_gone = _supervise(slot, pid)
    cleared = _clear(slot, pid)
    if grader_gone:
        return False
    maxrss = usage.ru_maxrss * (1 if limits.IS_MACOS else 1024) if usage else 0
    cpu = usage.ru_utime + usage.ru_stime if usage else 0.0
    send_frame(slot.channel, {"op": "exited", "status": status, "maxrss": maxrss, "cpu": cpu})
    return cleared


def _serve(channel: socket.socket, slot_index: int, options: isolation.IsolationOptions) -> int:
    limits.set_process_name(PROCESS_NAME)
    if options.enabled:
        _hide_grader()
    # First, while this process has a single thread (a user namespace needs that; asking
    # BLAS for one thread, in _setup, may start one).
    state = isolation.setup_slot(slot_index, options)
    wakeup, warnings = _setup()
    # Last: once its children have a pid namespace of their own, this process cannot
    # start threads (the kernel refuses them), and _setup may have wanted one.
    slot_reaper = reaper_mod.start() if state.protections.pid_namespace else None
    isolation.set_undumpable()
    slot = _Slot(channel, state, wakeup, slot_reaper)
    send_frame(channel, {
        "op": "ready", "pid": os.getpid(), "warnings": warnings,
        "protections": state.protections.to_dict(),
        "helpers": [slot_reaper.pid] if slot_reaper is not None else [],
    })
    # This process never reads a job: a ``run`` frame brings only pipe ends, and the
    # worker forked for it reads the job itself, so no worker inherits another job's data.
    try:
        while True:
            try:
                frame = recv_frame_with_fds(channel, JOB_FDS)
            except InterruptedError:
                continue
            if frame is None:
                return 0  # the grader hung up
            header, fds = frame
            if header.get("op") != "run" or len(fds) != JOB_FDS:
                for fd in fds:
                    os.close(fd)
                continue  # (a kill that crossed the job's end on the wire)
            if not _run_job(slot, header, fds):
                return 0
    finally:
        if slot_reaper is not None:
            slot_reaper.close()


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
