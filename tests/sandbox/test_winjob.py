"""The Windows-only parts of the process backend, checked on any system.

- Job Objects (`normkatas.sandbox.winjob`): the structure layout is the x64
  ABI's, and the kernel calls (with a stand-in kernel32) set the limits the
  issue asks for: kill on close, a per-process memory limit, a process count.
- The modules of the Windows path import without ``fork``, ``fcntl``,
  ``resource`` or ``os.writev``, and type-check as Windows code
  (``mypy --platform win32``).
"""

from __future__ import annotations

import ctypes
import subprocess
import sys
from typing import Any

import pytest

from normkatas.sandbox import winjob
from normkatas.sandbox.types import Limits
from tests.support import REPO

WINDOWS_PATH = (
    *(f"normkatas.sandbox.{m}" for m in ("process", "spawned", "winjob", "client", "protocol",
                                         "codec", "capture", "worker")),
    "normkatas.grading.session", "normkatas.grading.prepare", "normkatas.app.cli",
    "normkatas.app.platform", "normkatas.app.student_view", "normkatas.app.batch.run",
    "normkatas.app.batch.build", "normkatas.app.batch.seal", "normkatas.app.pytest_plugin",
    "normkatas.app.api",
)
"""What `grade FILE`, class runs and the pytest plugin import on Windows."""


@pytest.mark.skipif(ctypes.sizeof(ctypes.c_void_p) != 8, reason="the x64 layout")
def test_the_structures_have_the_x64_layout() -> None:
    assert ctypes.sizeof(winjob.JOBOBJECT_BASIC_LIMIT_INFORMATION) == 64
    assert ctypes.sizeof(winjob.IO_COUNTERS) == 48
    assert ctypes.sizeof(winjob.JOBOBJECT_EXTENDED_LIMIT_INFORMATION) == 144
    assert winjob.JOBOBJECT_EXTENDED_LIMIT_INFORMATION.ProcessMemoryLimit.offset == 112
    assert winjob.JOBOBJECT_BASIC_LIMIT_INFORMATION.LimitFlags.offset == 16
    assert winjob.JOBOBJECT_BASIC_LIMIT_INFORMATION.ActiveProcessLimit.offset == 40


def test_the_limits_are_the_jobs() -> None:
    info = winjob.limit_information(Limits(memory_mb=300, max_processes=7))
    flags = info.BasicLimitInformation.LimitFlags
    assert flags & 0x2000  # JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
    assert flags & 0x0100  # JOB_OBJECT_LIMIT_PROCESS_MEMORY
    assert flags & 0x0008  # JOB_OBJECT_LIMIT_ACTIVE_PROCESS
    assert info.ProcessMemoryLimit == 300 * 1024 * 1024
    assert info.BasicLimitInformation.ActiveProcessLimit == 7


class FakeKernel:
    """kernel32 as far as `JobObject` uses it: records calls, answers success."""

    def __init__(self, fail: str = "") -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.fail = fail
        self.info: winjob.JOBOBJECT_EXTENDED_LIMIT_INFORMATION | None = None

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any) -> Any:
            self.calls.append((name, args))
            if name == self.fail:
                return 0
            if name == "SetInformationJobObject":
                pointer = ctypes.cast(args[2], ctypes.POINTER(type(self.info or
                                      winjob.JOBOBJECT_EXTENDED_LIMIT_INFORMATION())))
                self.info = pointer.contents
                assert args[3] == ctypes.sizeof(self.info)
            return {"CreateJobObjectW": 101, "OpenProcess": 202, "NtResumeProcess": 0}.get(
                name, 1)

        return call

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


def test_a_job_object_holds_the_process_before_it_runs_and_kills_all_on_close() -> None:
    kernel = FakeKernel()
    job = winjob.JobObject(Limits(memory_mb=512), kernel=kernel)
    assert kernel.info is not None and kernel.info.ProcessMemoryLimit == 512 * 1024 * 1024
    assert kernel.calls[1][1][1] == 9  # JobObjectExtendedLimitInformation
    job.adopt(4242)
    assert kernel.names()[2:] == ["OpenProcess", "AssignProcessToJobObject",
                                  "NtResumeProcess", "CloseHandle"]
    assert kernel.calls[2][1][2] == 4242
    assert kernel.calls[3][1] == (101, 202)  # the job, the process
    job.kill()
    assert kernel.calls[-1] == ("TerminateJobObject", (101, winjob.EXIT_KILLED))
    job.close()
    job.close()
    assert kernel.names().count("CloseHandle") == 2  # the process's, then the job's, once


@pytest.mark.parametrize("fail", ["CreateJobObjectW", "SetInformationJobObject"])
def test_a_job_object_that_cannot_be_made_is_an_error(fail: str) -> None:
    with pytest.raises(OSError, match=fail):
        winjob.JobObject(Limits(), kernel=FakeKernel(fail))


def test_a_process_that_cannot_join_its_job_is_not_resumed() -> None:
    kernel = FakeKernel("AssignProcessToJobObject")
    job = winjob.JobObject(Limits(), kernel=kernel)
    with pytest.raises(OSError, match="AssignProcessToJobObject"):
        job.adopt(1)
    assert "NtResumeProcess" not in kernel.names()
    assert kernel.names()[-1] == "CloseHandle"


def test_the_windows_path_imports_without_posix_modules() -> None:
    """As on Windows: no fork, fcntl, resource, writev, readv, geteuid or wait4."""
    code = (
        "import os, sys\n"
        "for name in ('fcntl', 'resource', 'termios', 'pwd', 'grp'):\n"
        "    sys.modules[name] = None\n"
        "for name in ('fork', 'writev', 'readv', 'killpg', 'setsid', 'forkpty', 'geteuid',\n"
        "             'getuid', 'wait4', 'waitid'):\n"
        "    if hasattr(os, name): delattr(os, name)\n"
        + "".join(f"import {m}\n" for m in WINDOWS_PATH)
        + "from normkatas.sandbox.client import resolve_mode\n"
        "print(resolve_mode('auto')[0])\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "process"


@pytest.mark.slow
def test_the_windows_path_type_checks_as_windows_code() -> None:
    """mypy skips ``sys.platform == "win32"`` branches on Linux: check them as Windows."""
    files = [str(REPO / "src" / "normkatas" / "sandbox" / f"{m}.py")
             for m in ("process", "spawned", "winjob", "protocol", "codec", "capture")]
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--platform", "win32", "--follow-imports", "silent",
         "--no-incremental", *files],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
