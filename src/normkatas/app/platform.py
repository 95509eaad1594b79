"""Which operating system grades, and what its sandbox can and cannot enforce.

Three things live here:

- `require_grading_support`: the gate before any student code runs.  The
  sandbox decides (its ``resolve_mode`` refuses a platform it cannot isolate
  on); here a refusal becomes one clear sentence and exit status 2, never an
  internal error.
- `missing_protections`: what the operating system does not give the sandbox
  (e.g. macOS does not enforce a limit on address space), printed once, in one
  line, for the operator (`operator_note`), never in a student's report.
- `split_warnings`: the sandbox's notes about such protections are taken out of
  a `Result`'s warnings (they are about the machine, not the submission).

Everything reads `sys.platform` and `os` at call time, so tests simulate
another system with ``monkeypatch``.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

from normkatas.errors import UsageError

SYSTEM_NAMES = {"linux": "Linux", "darwin": "macOS", "win32": "Windows", "cygwin": "Cygwin"}


class PlatformUnsupported(UsageError):
    """Student code cannot be graded on this system: the message says why, in one sentence.

    A `UsageError`: `grade` prints it and exits with status 2."""


@dataclass(frozen=True)
class Support:
    system: str
    """``Linux``, ``macOS``, ``Windows`` or the raw ``sys.platform``."""
    mode: str
    """The sandbox mode that will run student code (``fork`` or ``spawn``)."""
    missing: tuple[str, ...]
    """Protections this system does not give (empty on Linux)."""


def system_name(platform: str | None = None) -> str:
    platform = sys.platform if platform is None else platform
    for prefix, name in SYSTEM_NAMES.items():
        if platform.startswith(prefix):
            return name
    return platform


def missing_protections(platform: str | None = None) -> tuple[str, ...]:
    """What the sandbox cannot enforce here, in short phrases (nothing on Linux)."""
    platform = sys.platform if platform is None else platform
    missing: list[str] = []
    if platform == "darwin":
        missing.append("the memory limit is best effort (macOS does not enforce RLIMIT_AS)")
    if not platform.startswith("linux"):
        missing.append("processes a submission leaves behind are not reparented to the grader")
        missing.append("student processes are not stopped by the kernel if the grader dies")
    try:
        import resource  # noqa: F401
    except ImportError:
        missing.append("no process limits (time is still enforced by the grader)")
    return tuple(missing)


def require_grading_support() -> Support:
    """The sandbox mode for this system, or `PlatformUnsupported` with a sentence for the user."""
    system = system_name()
    try:
        from normkatas.sandbox.client import SandboxError, resolve_mode
    except (ImportError, AttributeError) as exc:  # a module or constant this OS lacks
        why = f"the sandbox needs {exc}"
        raise PlatformUnsupported(unsupported_sentence(system, why)) from None
    try:
        mode, _notes = resolve_mode("auto")
    except SandboxError as exc:
        raise PlatformUnsupported(unsupported_sentence(system, str(exc))) from None
    return Support(system=system, mode=mode, missing=missing_protections())


def unsupported_sentence(system: str, why: str) -> str:
    hint = (
        "; install WSL (Windows Subsystem for Linux) and run grade there"
        if system == "Windows"
        else ""
    )
    return f"cannot run student code safely on {system}: {why}{hint}"


def operator_note(support: Support, extra: list[str] | None = None) -> str | None:
    """One line for the operator's terminal (stderr), or None when nothing is missing.

    `extra`: the sandbox's own notes about the machine, from a `Result`.
    """
    items = list(support.missing)
    unset: list[str] = []
    for text in extra or []:
        match = _UNAVAILABLE.match(text)
        if match is not None:
            unset.append(match.group(1))
        elif text.startswith("macOS does not enforce RLIMIT_AS") and any(
            "RLIMIT_AS" in m for m in support.missing
        ):
            continue  # said already
        else:
            items.append(text)
    if unset:
        items.append("not enforced: " + ", ".join(dict.fromkeys(unset)))
    items = list(dict.fromkeys(items))
    if not items:
        return None
    return f"grade: note: on {support.system}, " + "; ".join(items)


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
