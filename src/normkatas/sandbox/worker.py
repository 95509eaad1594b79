"""The student's process: forked by the fork server, one per job; never returns.

It reads its job from the job pipe the grader writes, isolates itself (own
session, rlimits, fresh stdio, a clean ``sys.path``, no CI command-file
variables such as ``$GITHUB_OUTPUT``), imports the submission as module
``submission``, calls the function once per call (cases first, then probes,
then performance calls) and streams one frame per finished call on its
private result fd.  Frames, in order::

    hello {warnings}
    imported | import-failed {status, error, defined_functions}
    call {index, status, value, exception, mutated, duration} + array bytes
    probes                     (before the first probe call)
    performance                (before the first performance call)
    done

and, when the job has a ``then``: the next job is read from the job pipe (the
grader writes it once it has every result of the first), then::

    resumed
    call ...                   (the next job's calls, with their markers)
    done
"""

from __future__ import annotations

import contextlib
import faulthandler
import importlib.machinery
import importlib.util
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import FunctionType, ModuleType
from typing import Any, NoReturn

import numpy as np

from normkatas.sandbox import capture, codec, isolation, limits, steps
from normkatas.sandbox.env import force_single_thread_blas, hide_ci_files
from normkatas.sandbox.protocol import Header, ProtocolError, read_frame, write_frame
from normkatas.sandbox.types import Limits, run_order

RESULT_FD = 3
JOB_FD = 4
"""The job pipe, kept open when a next job comes (``then_limits`` in the job)."""
EXIT_INTERNAL = 70
EXIT_MEMORY = 71
MODULE_NAME = "submission"
RECURSION_LIMIT = 1000
MAX_REPEAT = 100
PROCESS_NAME = "normkatas-job"
MAX_JOB_BYTES = 1 << 40
"""The job comes from the grader (trusted): no bound but the machine's."""
_BLOCKED_IMPORTS = ("solutions", "katas", "normkatas")
_perf_counter = time.perf_counter
_ndarray = np.ndarray
_tobytes = np.ndarray.tobytes
_keep: list[object] = []  # the stdio objects we replace: freeing them would close fds 0-2
_stdio: list[Any] = []  # ours, flushed after every call whatever the submission did to sys


@dataclass(frozen=True)
class WorkerPipes:
    """The pipe ends the worker writes to (the grader reads them)."""

    result: int
    stdout: int
    stderr: int


@dataclass(frozen=True)
class _Context:
    path: str
    lines: list[str]
    limits: Limits


class _ImportBlocker:
    """A meta-path finder refusing the grader's packages and kata data."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name.split(".", 1)[0] in _BLOCKED_IMPORTS and name not in sys.modules:
            raise ImportError(f"the sandbox does not let a submission import {name!r}")
        return None


def _send(header: Header, parts: Sequence[memoryview] = ()) -> None:
    write_frame(RESULT_FD, header, parts)


def _setup_fds(pipes: WorkerPipes, job_fd: int | None = None) -> None:
    """stdin from /dev/null, stdout, stderr, the results on 3 (and the job pipe on 4,
    when a next job comes that way); every other fd closed."""
    import fcntl

    devnull = os.open(os.devnull, os.O_RDWR)
    sources = [devnull, pipes.stdout, pipes.stderr, pipes.result]
    if job_fd is not None:
        sources.append(job_fd)
    high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 64) for fd in sources]  # out of 0-4's way
    for target, fd in enumerate(high):
        os.dup2(fd, target)
    _close_from(len(sources))
    open_stdio()


def open_stdio() -> None:
    """Fresh ``sys`` streams on fds 0-2 (UTF-8, stderr line-buffered), flushed after
    every call whatever the submission does to ``sys``."""
    _keep.extend([sys.stdin, sys.stdout, sys.stderr, sys.__stdin__, sys.__stdout__])
    _keep.append(sys.__stderr__)
    stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
    stdout = open(1, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
    stderr = open(  # noqa: SIM115
        2, "w", encoding="utf-8", errors="backslashreplace", closefd=False, buffering=1
    )
    for name, stream in (("stdin", stdin), ("stdout", stdout), ("stderr", stderr)):
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)
    _stdio.extend([stdout, stderr])
    faulthandler.enable(file=sys.stderr)


def _close_from(lowest: int) -> None:
    """Close every fd >= lowest (by listing them where we can: the limit may be huge)."""
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except (OSError, ValueError):
        os.closerange(lowest, max(os.sysconf("SC_OPEN_MAX"), 4096))
        return
    for fd in fds:
        if fd >= lowest:
            with contextlib.suppress(OSError):  # the listing's own fd is already closed
                os.close(fd)


def _setup_process(
    parent: int,
    lim: Limits,
    submission: str,
    slot: isolation.SlotState | None = None,
    scratch: str | None = None,
    then: Limits | None = None,
) -> list[str]:
    os.setsid()
    limits.die_with_parent(signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(EXIT_INTERNAL)
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    force_single_thread_blas()
    hide_ci_files()
    isolated = slot is not None and slot.options.enabled
    folder = os.path.dirname(submission)
    # Isolated, the submission's folder (other submissions, in a class) is not a path.
    sys.path[:] = [*([] if isolated else [folder]), *_clean_path(sys.path, folder)]
    if isolated:
        assert slot is not None
        isolation.clean_environment()
        isolation.enter_job(slot, scratch)
    warnings = limits.apply_limits(lim, then)
    sys.meta_path.insert(0, _ImportBlocker())
    sys.argv[:] = [submission]
    sys.dont_write_bytecode = True
    sys.setrecursionlimit(RECURSION_LIMIT)
    if isolated:
        return warnings  # the working folder is the job's scratch
    try:
        os.chdir(folder)
    except OSError as exc:
        warnings.append(f"could not change to the submission's folder: {exc}")
    return warnings


def _grader_dirs() -> set[str]:
    """The grader's source tree and checkout (when run from one): never a path of the
    job's.  Found when this module is imported, before any filesystem view hides them."""
    src = os.path.dirname(os.path.dirname(os.path.abspath(os.path.dirname(__file__))))
    checkout = os.path.dirname(src)
    is_checkout = any(os.path.isdir(os.path.join(checkout, d)) for d in ("solutions", "katas"))
    return {src, checkout} if is_checkout else set()


_GRADER_DIRS = _grader_dirs()


def _clean_path(entries: list[str], folder: str) -> list[str]:
    """sys.path without the cwd, the grader's source tree or its kata data."""
    banned = _GRADER_DIRS
    kept = []
    for entry in entries:
        if not entry or not os.path.isabs(entry):
            continue
        real = os.path.realpath(entry)
        if real in banned or entry == folder or os.path.basename(real) in _BLOCKED_IMPORTS:
            continue
        kept.append(entry)
    return kept


def _read_lines(path: str, source: bytes | None = None) -> list[str]:
    try:
        if source is None:
            with open(path, "rb") as f:
                source = f.read()
        return importlib.util.decode_source(source).splitlines()
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return []


class _SourceLoader(importlib.machinery.SourceFileLoader):
    """The submission's source as the grader read it (the file itself may be outside
    the job's filesystem view); its name stays the student's path."""

    def __init__(self, fullname: str, path: str, source: bytes | OSError) -> None:
        super().__init__(fullname, path)
        self._source = source

    def get_data(self, path: str) -> bytes:
        if path == self.path and isinstance(self._source, bytes):
            return self._source
        if isinstance(self._source, OSError):
            raise self._source
        raise OSError(f"{path}: unavailable")

    def path_stats(self, path: str) -> dict[str, Any]:
        return {"mtime": 0, "size": len(self.get_data(path))}


def _job_source(job: Header) -> bytes | OSError | None:
    """The source the grader sent, or why it could not (None: read the file)."""
    failed = job.get("source_error")
    if isinstance(failed, list) and len(failed) == 2:
        return OSError(int(failed[0]), str(failed[1]), job["submission"])
    raw = job.get("source")
    if not isinstance(raw, str):
        return None
    import base64

    return base64.b64decode(raw)


def _defined_functions(module: ModuleType) -> list[str]:
    names = []

    def owner(value: object) -> str | None:
        return capture.guarded(lambda: str(getattr(value, "__module__", "")), None)

    for name, value in list(vars(module).items()):
        if isinstance(value, (FunctionType, type)) and owner(value) == MODULE_NAME:
            names.append(str(name))
    return names


def _exit_code(exc: SystemExit) -> int:
    code = exc.code
    if code is None:
        return 0
    return code if isinstance(code, int) and 0 <= code <= 255 else 1


def _import(
    path: str, entry: str, lines: list[str], source: bytes | OSError | None = None
) -> Callable[..., Any]:
    """The entry point, or an import-failed frame sent and the process ended."""
    failure: dict[str, Any] = {"type": "import-failed"}
    code = 0
    module = None
    try:
        loader = (
            importlib.machinery.SourceFileLoader(MODULE_NAME, path)
            if source is None
            else _SourceLoader(MODULE_NAME, path, source)
        )
        spec = importlib.util.spec_from_file_location(MODULE_NAME, path, loader=loader)
        assert spec is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[MODULE_NAME] = module
        loader.exec_module(module)
        fn = vars(module).get(entry)
        if callable(fn):
            _module.append(module)
            return fn  # type: ignore[no-any-return]
        failure.update(status="missing-function", defined_functions=_defined_functions(module))
    except MemoryError as exc:
        if module is not None:
            vars(module).clear()  # let the hoard go before describing it
        failure.update(status="memory-limit", error=capture.exception_info(exc, path, lines))
        exc.__traceback__ = None
    except SystemExit as exc:
        code = _exit_code(exc)
        failure.update(status="crashed", error=capture.exception_info(exc, path, lines))
    except SyntaxError as exc:
        status = "syntax-error" if exc.filename == path else "import-error"
        failure.update(status=status, error=capture.exception_info(exc, path, lines))
    except BaseException as exc:
        failure.update(status="import-error", error=capture.exception_info(exc, path, lines))
    _check_pid()
    _flush()
    _send(failure)
    os._exit(code)


_worker_pid = 0
_module: list[ModuleType] = []  # the submission's module (steps call its other functions)


def _check_pid() -> None:
    """A child the submission forked must not report anything: end it quietly."""
    if os.getpid() != _worker_pid:
        os._exit(0)


def _flush() -> None:
    for stream in _stdio:
        with contextlib.suppress(BaseException):
            stream.flush()


def _mutated(templates: dict[str, Any], kwargs: dict[str, Any]) -> list[str]:
    names = []
    for name, template in templates.items():
        if not isinstance(template, _ndarray) or name not in kwargs:
            continue  # (a step that failed before its call has no arguments yet)
        arg = kwargs[name]
        same_layout = arg.shape == template.shape and arg.dtype == template.dtype
        if not same_layout or _tobytes(arg) != _tobytes(template):
            names.append(name)
    return names


def _call(
    fn: Callable[..., Any],
    templates: dict[str, Any],
    encoder: capture.ResultEncoder,
    ctx: _Context,
    discard: bool = False,
    repeat: int = 1,
    fast_enough: float = 0.0,
    stop_at: float = float("inf"),
    step: dict[str, Any] | None = None,
    kept: dict[str, tuple[Any, dict[str, Any], int]] | None = None,
    key: str = "",
) -> tuple[dict[str, Any], int | None]:
    """One call as a frame header; the int is an exit code when the call ends the run.

    ``discard``: what the function returned is dropped (no value, no mutation check).
    ``repeat``: the call is made up to that many times (fresh inputs each time),
    until one run takes at most ``fast_enough`` seconds, or another run would
    end after ``stop_at`` (the budget); the duration is the fastest, the value
    the last one's.
    """
    path, lines = ctx.path, ctx.lines
    header: dict[str, Any] = {"type": "call"}
    end: int | None = None
    best = float("inf")
    kwargs: dict[str, Any] = {}
    start = _perf_counter()
    try:
        value: Any = None
        carried: dict[str, Any] = {}
        if step is not None:
            try:
                carried = steps.carried(kept or {}, step.get("carry") or {})
            except steps.NotRun:
                return {"type": "call", "status": "not-run", "duration": 0.0}, None
            fn = steps.function(_module[0] if _module else None, str(step["function"]), fn)
        for run in range(repeat):
            kwargs = {k: codec.fresh_copy(v) for k, v in templates.items()}
            steps.apply(kwargs, carried)
            start = _perf_counter()
            value = fn(**kwargs)
            best = min(best, _perf_counter() - start)
            _check_pid()
            if run == repeat - 1 or best <= fast_enough or _perf_counter() + best > stop_at:
                break
            value = None  # (let it go before the next run)
        header["duration"] = best
        if step is not None:
            count = int(step["outputs"])
            if kept is not None and key in kept:
                kept[key] = (value, kwargs, count)
            value = steps.select(value, kwargs, step["send"], count)
        header.update(status="ok", value=None if discard else encoder.encode(value))
        del value
    except MemoryError as exc:
        header["duration"] = _perf_counter() - start
        _check_pid()
        header.update(status="memory-limit", exception=capture.exception_info(exc, path, lines))
        exc.__traceback__ = None
        end = 0
    except SystemExit as exc:
        header["duration"] = _perf_counter() - start
        _check_pid()
        header.update(status="crashed", exception=capture.exception_info(exc, path, lines))
        end = _exit_code(exc)
    except BaseException as exc:
        header["duration"] = _perf_counter() - start
        _check_pid()
        header.update(status="exception", exception=capture.exception_info(exc, path, lines))
    header["mutated"] = [] if discard else _mutated(templates, kwargs)
    return header, end


def _silence_output() -> None:
    """Probes and timings are the grader's own calls: what they print is not the
    student's output."""
    _flush()
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
    except OSError:
        pass
    finally:
        os.close(devnull)


def _run_calls(fn: Callable[..., Any], job: Header, payload: memoryview, ctx: _Context) -> None:
    calls = job["calls"]
    budget = ctx.limits.total_result_bytes
    kept: dict[str, tuple[Any, dict[str, Any], int]] = {}
    wanted = steps.needed(calls)
    phase = "case"
    stop_at = float("inf")  # the end of the performance calls' budget
    for index in run_order([c["group"] for c in calls]):
        group = calls[index]["group"]
        if group in ("probe", "performance") and group != phase:
            _send({"type": "probes" if group == "probe" else "performance"})
            if phase == "case":
                _silence_output()
            phase = group
            if group == "performance":
                stop_at = _perf_counter() + ctx.limits.performance_timeout
        kwargs = calls[index]["kwargs"]
        templates = {k: codec.decode_arguments(v, payload) for k, v in kwargs.items()}
        call = calls[index]
        mine = budget
        if isinstance(call.get("max_bytes"), int):
            mine = max(0, min(budget, call["max_bytes"]))
        encoder = capture.ResultEncoder(min(ctx.limits.result_bytes, mine), mine)
        repeat = min(max(1, int(call.get("repeat", 1))), MAX_REPEAT)
        fast = float(call.get("fast_enough", 0.0))
        step = call.get("step") if isinstance(call.get("step"), dict) else None
        if step is not None and call["key"] in wanted:
            kept[call["key"]] = (None, {}, 0)  # a placeholder: filled when the call ends
        header, end = _call(
            fn, templates, encoder, ctx, bool(call.get("discard")), repeat, fast, stop_at,
            step, kept, call["key"],
        )
        if header.get("status") != "ok":
            kept.pop(call["key"], None)
        budget -= mine - encoder.budget
        header["index"] = index
        _flush()
        _send(header, encoder.parts)
        del header, encoder, templates
        if end is not None:
            os._exit(end)


def run(
    parent: int,
    job_fd: int,
    pipes: WorkerPipes,
    slot: isolation.SlotState | None = None,
    scratch: str | None = None,
) -> NoReturn:
    """The whole life of the worker (called right after fork): the job is read from
    ``job_fd`` here, after the fork, so the fork server never holds any job's data."""
    limits.set_process_name(PROCESS_NAME)
    try:
        frame = read_frame(job_fd, MAX_JOB_BYTES)
    except (OSError, ProtocolError):
        frame = None
    if frame is None or frame[0].get("op") != "run":
        os._exit(EXIT_INTERNAL)
    job, payload = frame
    then = _then_limits(job)
    if then is None:
        os.close(job_fd)

    def setup(lim: Limits, path: str) -> list[str]:
        _setup_fds(pipes, job_fd if then is not None else None)
        return _setup_process(parent, lim, path, slot, scratch, then)

    run_job(job, payload, setup)


def _run_next(fn: Callable[..., Any], path: str, lines: list[str]) -> None:
    """The next job, read from `JOB_FD` once the grader has every result of this one.
    Whatever the submission did to that fd meanwhile, either the job comes whole
    (``resumed``, then its calls) or nothing is said (the grader runs it afresh)."""
    _check_pid()
    try:
        frame = read_frame(JOB_FD, MAX_JOB_BYTES)
    except (OSError, ProtocolError, ValueError):
        frame = None
    if frame is None or frame[0].get("op") != "next":
        os._exit(0)
    job, payload = frame
    with contextlib.suppress(OSError):
        os.close(JOB_FD)
    _send({"type": "resumed"})
    _answer(fn, job, payload, path, lines)


def _answer(
    fn: Callable[..., Any], job: Header, payload: bytearray, path: str, lines: list[str]
) -> None:
    """Make the job's calls, then say ``done``."""
    ctx = _Context(path, lines, Limits(**job["limits"]))
    _run_calls(fn, job, memoryview(payload).toreadonly(), ctx)
    _flush()
    _send({"type": "done"})


def _then_limits(job: Header) -> Limits | None:
    """The limits of the job that follows in this process (``then_limits``), if any."""
    raw = job.get("then_limits")
    return Limits(**raw) if isinstance(raw, dict) else None


def run_job(
    job: Header, payload: bytearray, setup: Callable[[Limits, str], list[str]]
) -> NoReturn:
    """Set the process up (``setup`` returns its warnings), then import the submission and
    make the calls, answering on `RESULT_FD`.  Shared by the forked worker and the
    process backend's (``normkatas.sandbox.spawned``)."""
    global _worker_pid
    _worker_pid = os.getpid()
    try:
        lim = Limits(**job["limits"])
        path = job["submission"]
        warnings = setup(lim, path)
        source = _job_source(job)
        _send({"type": "hello", "warnings": warnings})
        lines = _read_lines(path, source) if isinstance(source, bytes) else []
        if isinstance(source, bytes):
            import linecache

            linecache.cache[path] = (len(source), None, [f"{x}\n" for x in lines], path)
        fn = _import(path, job["entry"], lines, source)
        _check_pid()
        _send({"type": "imported"})
        _answer(fn, job, payload, path, lines)
        del payload
        if _then_limits(job) is not None:
            _run_next(fn, path, lines)
        os._exit(0)
    except MemoryError:
        os._exit(EXIT_MEMORY)
    except BaseException:
        try:
            import traceback

            traceback.print_exc(file=sys.__stderr__)
            _flush()
        finally:
            os._exit(EXIT_INTERNAL)
    os._exit(EXIT_INTERNAL)
