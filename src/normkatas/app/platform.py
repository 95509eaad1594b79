"""What this machine protects when it grades student code: one model, one line.

- `Machine`: the system, the sandbox backend, which of the sandbox's protections
  are missing (keys of ``normkatas.sandbox.isolation.PROTECTION_NAMES``) and what
  the system cannot enforce.  `machine()` says what the system offers before any
  sandbox starts; `with_sandbox` refines it with what the running sandbox set up
  (its `Protections` record).
- `require_grading_support`: the gate before any student code runs.  The
  sandbox decides (its ``resolve_mode`` refuses a system it cannot run on);
  here a refusal becomes one sentence and exit status 2, never an internal error.
- `protection_line`: the one renderer of a `Machine`, a single line for the
  operator.  A single ``grade FILE`` prints it (on stderr) only when the code is
  not the operator's own (`grading_others`: as root, in CI, or asked for with
  ``--show-protections``); a class run carries it in every operator-facing output
  (`class_gate`, which refuses a class run without a separate identity per job
  unless ``--allow-unprotected``).  It never enters a student's report:
  `split_warnings` takes the sandbox's notes about the machine out of a `Result`.

Everything reads `sys.platform`, `os` and the environment at call time, so
tests simulate another system with ``monkeypatch``.  ``NORMKATAS_UNPROTECTED=1``
makes the grader treat this machine as one without any protection (to see and
test that path).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from normkatas.errors import UsageError

if TYPE_CHECKING:
    from normkatas.sandbox.isolation import Protections

SYSTEM_NAMES = {"linux": "Linux", "darwin": "macOS", "win32": "Windows", "cygwin": "Cygwin"}
UNPROTECTED_VAR = "NORMKATAS_UNPROTECTED"
CI_VARS = ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "JENKINS_URL")
"""Environment variables that mean "a CI service is grading someone's code" (Gradescope
runs its autograder as root, which counts too)."""
CONTAINER_BUILD = "docker build -t normkatas ."
"""Builds the image, in a checkout of normkatas (its Dockerfile)."""
CONTAINER_FLAGS = ("--cap-add SYS_ADMIN --security-opt seccomp=unconfined "
                   "--security-opt apparmor=unconfined")
"""What a container's grader needs to make the namespaces (never given to the jobs)."""
CONTAINER_COMMAND = (
    "docker run --rm " + CONTAINER_FLAGS + " --network none -v \"$PWD:/class\" "
    "normkatas submissions/ --out graded/"
)
"""Grades the class folder it is run in (``submissions/`` -> ``graded/``), as the
docs show it; tests/container runs exactly this."""
CONTAINER_HINT = f"`{CONTAINER_COMMAND}` (after `{CONTAINER_BUILD}` in a checkout of normkatas)"
PROTECTION_KEYS = (
    "identity", "pid-namespace", "filesystem-view", "network", "ipc", "private-scratch",
    "no-new-privs",
)
"""The sandbox's protections (``isolation.PROTECTION_NAMES``), in its order."""
SHORT_NAMES = {
    "identity": "a separate identity",
    "pid-namespace": "a pid namespace",
    "filesystem-view": "a filesystem view",
    "network": "network isolation",
    "ipc": "IPC isolation",
    "private-scratch": "a private scratch folder",
    "no-new-privs": "no_new_privs",
}
_CLONE_NEWUSER = 0x10000000


class PlatformUnsupported(UsageError):
    """Student code cannot be graded on this system: the message says why, in one sentence.

    A `UsageError`: `grade` prints it and exits with status 2."""


@dataclass(frozen=True)
class Machine:
    """What this machine protects when it grades student code."""

    system: str
    """``Linux``, ``macOS``, ``Windows`` or the raw ``sys.platform``."""
    mode: str
    """The sandbox backend that runs student code: ``fork``, ``spawn`` or ``process``."""
    missing: tuple[str, ...] = ()
    """The sandbox's protections not in place (keys of `PROTECTION_KEYS`)."""
    shortfalls: tuple[str, ...] = ()
    """What the system cannot enforce, in short phrases (e.g. macOS ignores RLIMIT_AS)."""
    notes: tuple[str, ...] = ()
    """Why protections are missing (a refused system call, NORMKATAS_UNPROTECTED)."""

    @property
    def separate_identity(self) -> bool:
        """Does each job run as an identity of its own?  (Class grading needs it.)"""
        return "identity" not in self.missing

    @property
    def complete(self) -> bool:
        return not self.missing and not self.shortfalls


def system_name(platform: str | None = None) -> str:
    platform = sys.platform if platform is None else platform
    for prefix, name in SYSTEM_NAMES.items():
        if platform.startswith(prefix):
            return name
    return platform


def shortfalls(platform: str | None = None, mode: str = "fork") -> tuple[str, ...]:
    """What the system (and the sandbox backend on it) cannot enforce; nothing on Linux's
    fork and spawn backends."""
    platform = sys.platform if platform is None else platform
    if platform == "win32":  # the process backend, with a Job Object per job
        return ("no file-size limit",)
    found: list[str] = []
    if platform == "darwin":
        found.append("the memory limit is best effort (macOS does not enforce RLIMIT_AS)")
    if mode == "process" or not platform.startswith("linux"):
        found.append("a process that leaves the job's process group is not killed")
    return tuple(found)


def machine(mode: str = "auto", platform: str | None = None, *, probe: bool = False) -> Machine:
    """What this system offers before any sandbox starts (`with_sandbox` refines it).

    ``probe``: on Linux, find out now whether jobs can get an identity of their own
    (a class run asks before starting the sandbox); otherwise the running sandbox says.
    """
    from normkatas.sandbox.client import resolve_mode

    platform = sys.platform if platform is None else platform
    if mode == "auto" or mode not in ("fork", "spawn", "process"):
        mode = resolve_mode("auto")[0]
    system = system_name(platform)
    found = Machine(system=system, mode=mode, shortfalls=shortfalls(platform, mode))
    if _forced_unprotected():
        return replace(found, missing=PROTECTION_KEYS, notes=(f"{UNPROTECTED_VAR} is set",))
    if mode == "process" or not platform.startswith("linux"):
        return replace(found, missing=PROTECTION_KEYS)
    if not probe or is_root() or _user_namespaces_work():
        return found  # the sandbox says what it set up once it runs
    return replace(found, missing=PROTECTION_KEYS,
                   notes=("this Linux does not allow unprivileged user namespaces",))


def with_sandbox(found: Machine, protections: Protections) -> Machine:
    """`found`, with what the running sandbox actually set up."""
    if found.mode == "process" or _forced_unprotected():
        return found
    return replace(found, missing=tuple(protections.missing),
                   notes=tuple(dict.fromkeys((*found.notes, *protections.notes))))


def is_root() -> bool:
    """Is the grader running as root (an operator's grader: Gradescope, a container)?"""
    geteuid = getattr(os, "geteuid", None)  # (none on Windows)
    return geteuid is not None and geteuid() == 0


def _forced_unprotected() -> bool:
    return os.environ.get(UNPROTECTED_VAR, "").strip() not in ("", "0")


def _user_namespaces_work() -> bool:
    """Can an unprivileged process of ours make a user namespace?  (Asked in a child.)"""
    try:
        pid = os.fork()
    except OSError:
        return False
    if pid == 0:  # the child: try, report through the exit status, never return
        code = 1
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            code = 0 if libc.unshare(_CLONE_NEWUSER) == 0 else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


# -- the gate -------------------------------------------------------------------------


def require_grading_support(mode: str = "auto") -> Machine:
    """What this machine protects, or `PlatformUnsupported` with a sentence for the user."""
    system = system_name()
    try:
        from normkatas.sandbox.client import SandboxError, resolve_mode
    except (ImportError, AttributeError) as exc:  # a module or constant this OS lacks
        raise PlatformUnsupported(unsupported_sentence(system, f"the sandbox needs {exc}")) \
            from None
    try:
        resolved, _notes = resolve_mode(mode)  # type: ignore[arg-type]
    except SandboxError as exc:
        raise PlatformUnsupported(unsupported_sentence(system, str(exc))) from None
    return machine(resolved)


def unsupported_sentence(system: str, why: str) -> str:
    return f"cannot run student code safely on {system}: {why}"


# -- the one line ---------------------------------------------------------------------


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--show-protections", action=argparse.BooleanOptionalAction, default=None,
                   help="print one line on stderr naming the protections student code runs "
                   "without here (default: when the code is not yours: as root, in CI)")


def grading_others(flag: bool | None = None, environ: Mapping[str, str] | None = None) -> bool:
    """Is the code graded here not the operator's own?  ``flag`` (``--show-protections``)
    decides when given; else: running as root, or in CI or on Gradescope."""
    if flag is not None:
        return flag
    env = os.environ if environ is None else environ
    if is_root():
        return True
    return any(env.get(name, "").strip() not in ("", "0", "false") for name in CI_VARS)


def protection_line(
    found: Machine, extra: Iterable[str] = (), *, consequence: bool = False
) -> str | None:
    """The machine's missing protections in one line (None: nothing is missing).

    `extra`: the sandbox's own notes about the machine (`split_warnings`), merged in.
    ``consequence``: add what it means for a class run (the class report's wording).
    """
    items: list[str] = []
    if found.missing:
        items.append("without " + ", ".join(SHORT_NAMES.get(k, k) for k in found.missing)
                     + (f" ({'; '.join(found.notes)})" if found.notes else ""))
        if found.separate_identity and _in_container():
            items.append(f"in a container, give the grader {CONTAINER_FLAGS}")
    items.extend(found.shortfalls)
    unset: list[str] = []
    for text in extra:
        match = _UNAVAILABLE.match(text)
        if match is not None:
            unset.append(match.group(1))
        elif text.startswith("macOS does not enforce RLIMIT_AS") and any(
            "RLIMIT_AS" in s for s in found.shortfalls
        ):
            continue  # said already
        else:
            items.append(text)
    if unset:
        items.append("not enforced: " + ", ".join(dict.fromkeys(unset)))
    items = list(dict.fromkeys(items))
    if not items:
        return None
    line = (f"on {found.system} ({found.mode} sandbox), student code "
            + ("ran" if consequence else "runs") + ": " + "; ".join(items))
    if consequence and not found.separate_identity:
        line += (": without the sandbox's protections, a submission could read the katas and "
                 "change any recorded score; grade classes on Linux (docs/security.md)")
    return line


def _in_container() -> bool:
    """Is this grader in a Docker or Podman container (whose marker files are these)?"""
    return os.path.exists("/.dockerenv") or os.path.exists("/run/.containerenv")


def operator_note(found: Machine, extra: Iterable[str] = ()) -> str | None:
    """`protection_line` as ``grade`` prints it on stderr."""
    line = protection_line(found, extra)
    return None if line is None else f"grade: note: {line}"


def class_gate(
    found: Machine, allow_unprotected: bool, extra: Iterable[str] = ()
) -> list[str]:
    """For a class run: the warnings every operator-facing output carries (one line, or
    none; ``extra``: the sandbox's notes about how it started).  Without a separate
    identity per job the run is refused (`UsageError`) unless ``allow_unprotected``."""
    extra = list(extra)
    if not found.missing and not found.shortfalls and not extra:
        return []
    if not found.separate_identity and not allow_unprotected:
        why = protection_line(found)
        raise UsageError(
            "class grading needs the sandbox's protections, which this machine lacks ("
            f"{why}); run it on Linux, e.g. {CONTAINER_HINT}, or pass "
            "--allow-unprotected to grade anyway with no protection against the submissions"
        )
    line = protection_line(found, extra, consequence=True)
    return [] if line is None else [line]


# -- the sandbox's notes about the machine ------------------------------------------


_UNAVAILABLE = re.compile(r"^(RLIMIT_\w+) is not available on this platform: not enforced$")


# The sandbox's own notes about the machine (sandbox/limits.py, zygote.py,
# client.py).  They say nothing about the submission.
_OPERATOR_WARNINGS = re.compile(
    r"(^RLIMIT_\w+ (is not available on this platform|could not be set)"
    r"|^macOS does not enforce RLIMIT_AS"
    r"|^could not become a child subreaper"
    r"|^no /proc:"
    r"|^could not limit BLAS threads"
    r"|^other threads are running: the fork server was spawned"
    r"|^memory limit of \d+ MB is below the process's own)"
)


def is_operator_warning(text: str) -> bool:
    return _OPERATOR_WARNINGS.search(text) is not None


def split_warnings(warnings: list[str]) -> tuple[list[str], list[str]]:
    """``(for the student, for the operator)``."""
    student = [w for w in warnings if not is_operator_warning(w)]
    operator = [w for w in warnings if is_operator_warning(w)]
    return student, operator
