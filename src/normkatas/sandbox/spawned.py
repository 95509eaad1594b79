"""The student's process of the process backend: a fresh ``python``, one per job.

Started by :mod:`normkatas.sandbox.process` as::

    python -I -m normkatas.sandbox.spawned RESULT

where RESULT names the write end of the result pipe (a file descriptor on
POSIX, an inherited handle on Windows).  It reads one ``run`` frame (the job,
encoded by ``codec.encode_job``) from stdin, sets itself up, then runs the job
exactly as the forked worker does (`worker.run_job`): the same frames, in the
same order, on the result pipe; the submission's stdout and stderr go to its
own stdout and stderr, which the grader drains.

Nothing here needs ``fork``, ``fcntl``, ``resource`` or POSIX signals: the
grader enforces the time limit by killing the process tree, and on Windows
the memory limit is the Job Object's (see :mod:`normkatas.sandbox.winjob`).
On POSIX (where this backend runs when asked for, e.g. in tests) the
worker's rlimits are set as well.
"""

from __future__ import annotations

import os
import sys
from typing import Any, NoReturn

from normkatas.sandbox.protocol import PREFIX, ProtocolError, parse_header, parse_prefix

MAX_JOB_PAYLOAD = 1 << 40
EXIT_BAD_JOB = 72


def _read_exact(fd: int, size: int) -> bytearray:
    buf = bytearray()
    while len(buf) < size:
        chunk = os.read(fd, min(size - len(buf), 1 << 20))
        if not chunk:
            raise ProtocolError("the job ended in the middle of a frame")
        buf += chunk
    return buf


def read_job(fd: int = 0) -> tuple[dict[str, Any], bytearray]:
    """The ``run`` frame the grader wrote on ``fd`` (stdin)."""
    header_len, payload_len = parse_prefix(_read_exact(fd, PREFIX.size), MAX_JOB_PAYLOAD)
    header = parse_header(_read_exact(fd, header_len))
    payload = _read_exact(fd, payload_len)
    if header.get("op") != "run":
        raise ProtocolError("not a job")
    return header, payload


def result_fd(argument: str) -> int:
    """The result pipe's file descriptor, not inherited by anything the student starts."""
    if sys.platform == "win32":
        import msvcrt

        handle = int(argument)
        os.set_handle_inheritable(handle, False)
        return msvcrt.open_osfhandle(handle, os.O_WRONLY | os.O_BINARY)
    fd = int(argument)
    os.set_inheritable(fd, False)
    return fd


def _setup(lim: Any, path: str) -> list[str]:
    """The process, before any student code: stdio, paths, limits, the import blocker."""
    from normkatas.sandbox import limits, worker
    from normkatas.sandbox.env import force_single_thread_blas, hide_ci_files

    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)  # the job was read; the student reads nothing of the grader's
    os.close(devnull)
    worker.open_stdio()
    force_single_thread_blas()
    hide_ci_files()
    folder = os.path.dirname(path)
    sys.path[:] = [folder, *worker._clean_path(sys.path, folder)]
    warnings: list[str] = []
    if sys.platform != "win32":  # Windows: the Job Object limits memory and processes
        warnings = limits.apply_limits(lim)
    sys.meta_path.insert(0, worker._ImportBlocker())
    sys.argv[:] = [path]
    sys.dont_write_bytecode = True
    sys.setrecursionlimit(worker.RECURSION_LIMIT)
    try:
        os.chdir(folder)
    except OSError as exc:
        warnings.append(f"could not change to the submission's folder: {exc}")
    return warnings


def main() -> NoReturn:
    fd = result_fd(sys.argv[1])
    try:
        job, payload = read_job(0)
    except (OSError, ProtocolError, ValueError):
        os._exit(EXIT_BAD_JOB)
    from normkatas.sandbox import worker

    worker.RESULT_FD = fd
    worker.run_job(job, payload, _setup)


if __name__ == "__main__":
    main()
