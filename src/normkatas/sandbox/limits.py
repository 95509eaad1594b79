"""Operating-system limits: rlimits for the worker, prctl for the fork server.

Everything degrades to a warning where the platform lacks it (macOS has no
prctl and does not enforce RLIMIT_AS; root ignores RLIMIT_NPROC), never to
an exception.
"""

from __future__ import annotations

import math
import sys
from typing import Any

from normkatas.sandbox.types import Limits

try:
    import resource
except ImportError:  # pragma: no cover - not a Unix
    resource = None  # type: ignore[assignment]

IS_LINUX = sys.platform.startswith("linux")
IS_MACOS = sys.platform == "darwin"
MB = 1024 * 1024
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36

_libc: Any = None


def _load_libc() -> Any:
    global _libc
    if _libc is None and IS_LINUX:
        import ctypes

        try:
            _libc = ctypes.CDLL(None, use_errno=True)
        except OSError:
            _libc = False
    return _libc or None


def prepare() -> None:
    """Load what the limits need (ctypes, libc) before the workers are forked."""
    _load_libc()


def _prctl(option: int, value: int) -> bool:
    libc = _load_libc()
    if libc is None:
        return False
    try:
        return int(libc.prctl(option, value, 0, 0, 0)) == 0
    except (AttributeError, OSError):
        return False


def become_subreaper() -> bool:
    """Orphaned descendants get reparented to us (Linux only)."""
    return IS_LINUX and _prctl(PR_SET_CHILD_SUBREAPER, 1)


def set_process_name(name: str) -> None:
    """What ``ps`` and ``top`` call this process (Linux: at most 15 bytes)."""
    if IS_LINUX:
        try:
            with open("/proc/self/comm", "w", encoding="ascii") as comm:
                comm.write(name[:15])
        except OSError:
            pass


def die_with_parent(signum: int) -> bool:
    """Get ``signum`` when the parent dies (Linux only)."""
    return IS_LINUX and _prctl(PR_SET_PDEATHSIG, signum)


def cpu_seconds(limits: Limits) -> int:
    """The RLIMIT_CPU backstop: the whole wall-clock budget, plus one second."""
    return math.ceil(limits.seconds) + 1


def _set(name: str, soft: int, warnings: list[str], hard: int | None = None) -> None:
    res = getattr(resource, name, None) if resource is not None else None
    if res is None:
        warnings.append(f"{name} is not available on this platform: not enforced")
        return
    try:
        _, old_hard = resource.getrlimit(res)
        new_hard = soft if hard is None else hard
        if old_hard != resource.RLIM_INFINITY:
            new_hard = min(new_hard, old_hard)
        resource.setrlimit(res, (min(soft, new_hard), new_hard))
    except (ValueError, OSError) as exc:
        warnings.append(f"{name} could not be set ({exc}): not enforced")


def _address_space() -> int | None:
    try:
        # Bytes: a text file would look its codec up, an import the job may not be able
        # to make (without a filesystem view, the Python install may be out of its reach).
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def apply_limits(limits: Limits, then: Limits | None = None) -> list[str]:
    """Set the worker's rlimits; returns warnings for what could not be enforced.
    ``then``: the limits of the job the process runs next (its CPU time adds up)."""
    warnings: list[str] = []
    memory = limits.memory_mb * MB
    if IS_LINUX:
        current = _address_space()
        if current is not None and current >= memory:
            warnings.append(
                f"memory limit of {limits.memory_mb} MB is below the process's own "
                f"{current // MB} MB of address space"
            )
    _set("RLIMIT_AS", memory, warnings)
    if IS_MACOS:
        _set("RLIMIT_DATA", memory, warnings)
        warnings.append("macOS does not enforce RLIMIT_AS: the memory limit is best effort")
    cpu = cpu_seconds(limits) + (cpu_seconds(then) if then is not None else 0)
    _set("RLIMIT_CPU", cpu, warnings, hard=cpu + 1)
    _set("RLIMIT_NPROC", limits.max_processes, warnings)
    _set("RLIMIT_FSIZE", limits.file_size_mb * MB, warnings)
    _set("RLIMIT_CORE", 0, warnings)
    return warnings


def limit_blas_threads() -> None:
    """Ask an already loaded OpenBLAS for one thread (best effort, Linux only).

    The env variables only work before numpy is imported; in fork mode the
    fork server inherits the grader's numpy, so tell the library directly.
    """
    if not IS_LINUX:
        return
    import ctypes

    paths: set[str] = set()
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as f:
            for line in f:
                path = line.rsplit(None, 1)[-1]
                if "openblas" in path.lower() and path.startswith("/"):
                    paths.add(path)
    except OSError:
        return
    names = (
        "openblas_set_num_threads",
        "openblas_set_num_threads64_",
        "scipy_openblas_set_num_threads64_",
        "scipy_openblas_set_num_threads",
    )
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in names:
            fn = getattr(lib, name, None)
            if fn is not None:
                fn(1)
                break
