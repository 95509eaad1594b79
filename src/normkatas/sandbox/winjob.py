"""Windows Job Objects, through ctypes: the process backend's limits and clean-up there.

Every student process on Windows is created suspended, put in a Job Object of
its own, then resumed, so it and everything it starts are in the job before
any of its code runs:

- ``JOB_OBJECT_LIMIT_PROCESS_MEMORY``: each process's committed memory is
  capped at the job's ``Limits.memory_mb`` (an allocation past it fails, and
  numpy raises ``MemoryError``);
- ``JOB_OBJECT_LIMIT_ACTIVE_PROCESS``: at most ``Limits.max_processes`` at once;
- ``JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE``: when the grader closes the job's
  handle (or dies, and Windows closes it) every process in it is killed;
- ``JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION``: a crash ends the process
  instead of waiting on an error dialog.

The time limit is the grader's: it calls :meth:`JobObject.kill` at the
deadline.  The structures use fixed-width fields, so their layout can be
checked on any system; the kernel is passed in (``kernel32()`` on Windows),
so the calls can be checked with a stand-in elsewhere.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from normkatas.sandbox.types import Limits

JOB_OBJECT_LIMIT_ACTIVE_PROCESS = 0x00000008
JOB_OBJECT_LIMIT_PROCESS_MEMORY = 0x00000100
JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION = 0x00000400
JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x00002000
JOB_OBJECT_EXTENDED_LIMIT_INFORMATION_CLASS = 9
PROCESS_SET_QUOTA = 0x0100
PROCESS_TERMINATE = 0x0001
PROCESS_SUSPEND_RESUME = 0x0800
CREATE_SUSPENDED = 0x00000004
EXIT_KILLED = 137
"""The exit code of a process the grader killed (as a shell reports SIGKILL)."""
MB = 1024 * 1024

_DWORD = ctypes.c_uint32
_SIZE_T = ctypes.c_size_t
_ULONG_PTR = ctypes.c_size_t
_LARGE_INTEGER = ctypes.c_int64
_ULONGLONG = ctypes.c_uint64


class IO_COUNTERS(ctypes.Structure):
    _fields_ = [
        ("ReadOperationCount", _ULONGLONG),
        ("WriteOperationCount", _ULONGLONG),
        ("OtherOperationCount", _ULONGLONG),
        ("ReadTransferCount", _ULONGLONG),
        ("WriteTransferCount", _ULONGLONG),
        ("OtherTransferCount", _ULONGLONG),
    ]


class JOBOBJECT_BASIC_LIMIT_INFORMATION(ctypes.Structure):
    _fields_ = [
        ("PerProcessUserTimeLimit", _LARGE_INTEGER),
        ("PerJobUserTimeLimit", _LARGE_INTEGER),
        ("LimitFlags", _DWORD),
        ("MinimumWorkingSetSize", _SIZE_T),
        ("MaximumWorkingSetSize", _SIZE_T),
        ("ActiveProcessLimit", _DWORD),
        ("Affinity", _ULONG_PTR),
        ("PriorityClass", _DWORD),
        ("SchedulingClass", _DWORD),
    ]


class JOBOBJECT_EXTENDED_LIMIT_INFORMATION(ctypes.Structure):
    _fields_ = [
        ("BasicLimitInformation", JOBOBJECT_BASIC_LIMIT_INFORMATION),
        ("IoInfo", IO_COUNTERS),
        ("ProcessMemoryLimit", _SIZE_T),
        ("JobMemoryLimit", _SIZE_T),
        ("PeakProcessMemoryUsed", _SIZE_T),
        ("PeakJobMemoryUsed", _SIZE_T),
    ]


LIMIT_FLAGS = (
    JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
    | JOB_OBJECT_LIMIT_PROCESS_MEMORY
    | JOB_OBJECT_LIMIT_ACTIVE_PROCESS
    | JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION
)


def limit_information(limits: Limits) -> JOBOBJECT_EXTENDED_LIMIT_INFORMATION:
    """The job's limits, as ``SetInformationJobObject`` takes them."""
    info = JOBOBJECT_EXTENDED_LIMIT_INFORMATION()
    info.BasicLimitInformation.LimitFlags = LIMIT_FLAGS
    # (two at least: a virtual environment's python.exe is a launcher with a child)
    info.BasicLimitInformation.ActiveProcessLimit = max(2, limits.max_processes)
    info.ProcessMemoryLimit = limits.memory_mb * MB
    return info


def kernel32() -> Any:
    """kernel32 and ntdll with the signatures used here (64-bit handles kept whole)."""
    if sys.platform != "win32":
        raise OSError("Job Objects are Windows only")
    from ctypes import wintypes

    k = ctypes.WinDLL("kernel32", use_last_error=True)
    k.CreateJobObjectW.argtypes = [ctypes.c_void_p, wintypes.LPCWSTR]
    k.CreateJobObjectW.restype = wintypes.HANDLE
    k.SetInformationJobObject.argtypes = [
        wintypes.HANDLE, ctypes.c_int, ctypes.c_void_p, wintypes.DWORD,
    ]
    k.SetInformationJobObject.restype = wintypes.BOOL
    k.OpenProcess.argtypes = [wintypes.DWORD, wintypes.BOOL, wintypes.DWORD]
    k.OpenProcess.restype = wintypes.HANDLE
    k.AssignProcessToJobObject.argtypes = [wintypes.HANDLE, wintypes.HANDLE]
    k.AssignProcessToJobObject.restype = wintypes.BOOL
    k.TerminateJobObject.argtypes = [wintypes.HANDLE, wintypes.UINT]
    k.TerminateJobObject.restype = wintypes.BOOL
    k.CloseHandle.argtypes = [wintypes.HANDLE]
    k.CloseHandle.restype = wintypes.BOOL
    ntdll = ctypes.WinDLL("ntdll")
    ntdll.NtResumeProcess.argtypes = [wintypes.HANDLE]
    ntdll.NtResumeProcess.restype = ctypes.c_long
    setattr(k, "NtResumeProcess", ntdll.NtResumeProcess)  # noqa: B010 (one object to pass)
    return k


def _last_error(what: str) -> OSError:
    code = 0
    if sys.platform == "win32":
        code = ctypes.get_last_error()
    return OSError(f"{what} failed (Windows error {code})")


class JobObject:
    """One student process tree's Job Object."""

    def __init__(self, limits: Limits, kernel: Any = None) -> None:
        self._k = kernel if kernel is not None else kernel32()
        self.handle = self._k.CreateJobObjectW(None, None)
        if not self.handle:
            raise _last_error("CreateJobObjectW")
        info = limit_information(limits)
        if not self._k.SetInformationJobObject(
            self.handle, JOB_OBJECT_EXTENDED_LIMIT_INFORMATION_CLASS,
            ctypes.byref(info), ctypes.sizeof(info),
        ):
            self.close()
            raise _last_error("SetInformationJobObject")

    def adopt(self, pid: int) -> None:
        """Put the (suspended) process ``pid`` in the job, then let it run."""
        access = PROCESS_SET_QUOTA | PROCESS_TERMINATE | PROCESS_SUSPEND_RESUME
        process = self._k.OpenProcess(access, False, pid)
        if not process:
            raise _last_error("OpenProcess")
        try:
            if not self._k.AssignProcessToJobObject(self.handle, process):
                raise _last_error("AssignProcessToJobObject")
            if self._k.NtResumeProcess(process) != 0:
                raise _last_error("NtResumeProcess")
        finally:
            self._k.CloseHandle(process)

    def kill(self) -> None:
        """End every process of the job now."""
        if self.handle:
            self._k.TerminateJobObject(self.handle, EXIT_KILLED)

    def close(self) -> None:
        """Close the job (kill on close: nothing of it survives)."""
        if self.handle:
            handle, self.handle = self.handle, None
            self._k.CloseHandle(handle)
