"""Is student code graded here with the sandbox's protections?  The operator's question.

Class grading runs code that is not the operator's own; it needs the sandbox
to run each job under an identity of its own (another uid as root, a user
namespace otherwise), which only Linux offers.  `missing_protections` names
what this platform lacks before any sandbox starts (empty: nothing);
`require_protection` refuses a class run without them unless the operator
passed ``--allow-unprotected``; `check_sandbox` asks the running sandbox what
it actually set up (its `Protections` record) and does the same.  Their
warnings are what every operator-facing output of the run carries.

``NORMKATAS_UNPROTECTED=1`` in the grader's environment makes the grader treat
this platform as one without protections (to see and test that path).
"""

from __future__ import annotations

import os
import sys

from normkatas.errors import UsageError

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
_CLONE_NEWUSER = 0x10000000


def missing_protections() -> list[str]:
    """The protections student code would run without on this platform (empty: none)."""
    if os.environ.get("NORMKATAS_UNPROTECTED", "").strip() not in ("", "0"):
        return ["a separate identity for each job (NORMKATAS_UNPROTECTED is set)"]
    import normkatas.sandbox as sandbox

    report = getattr(sandbox, "missing_protections", None)
    if callable(report):  # the sandbox knows best what it can set up here
        return [str(item) for item in report()]
    if not sys.platform.startswith("linux"):
        return [f"a separate identity and namespaces for each job (not available on "
                f"{sys.platform})"]
    if os.geteuid() == 0 or _user_namespaces_work():
        return []
    return ["a separate identity for each job (this Linux does not allow unprivileged "
            "user namespaces)"]


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


def unprotected_warning(missing: list[str]) -> str:
    return (
        "student code ran without the sandbox's protections (missing: "
        + "; ".join(missing)
        + "): a submission could read the katas and change any recorded score; "
        "grade classes on Linux, e.g. in the container: " + CONTAINER_HINT
    )


def check_sandbox(sandbox: object, allow_unprotected: bool) -> list[str]:
    """For a class run, once the sandbox is up: the warnings to carry.

    A job without an identity of its own refuses the run (UsageError) unless
    ``allow_unprotected``; other missing protections (namespaces, the filesystem
    view) are named in a warning.
    """
    probe = getattr(sandbox, "protections", None)
    if probe is None:
        return require_protection(allow_unprotected)
    record = probe() if callable(probe) else probe
    missing = list(getattr(record, "missing", ()))
    if not missing:
        return []
    from normkatas.sandbox.isolation import PROTECTION_NAMES

    notes = [str(n) for n in getattr(record, "notes", ())]
    if "identity" in missing:
        described = [PROTECTION_NAMES.get(k, k) for k in missing]
        if not allow_unprotected:
            raise UsageError(
                "class grading needs the sandbox's protections, which this platform lacks ("
                + "; ".join(described + notes)
                + "); run it on Linux, e.g. " + CONTAINER_HINT + ", or pass "
                "--allow-unprotected to grade anyway with no protection against the submissions"
            )
        return [unprotected_warning(described)]
    return ["the sandbox runs each job under its own identity, but without: "
            + "; ".join(PROTECTION_NAMES.get(k, k) for k in missing)
            + (f" ({'; '.join(notes)})" if notes else "")
            + (f"; in a container, give the grader {CONTAINER_FLAGS}" if _in_container()
               else "")]


def _in_container() -> bool:
    """Is this grader in a Docker or Podman container (whose marker files are these)?"""
    return os.path.exists("/.dockerenv") or os.path.exists("/run/.containerenv")


def require_protection(allow_unprotected: bool) -> list[str]:
    """For a class run: the warnings to carry (empty when protected).

    Raises UsageError when protections are missing and the operator did not allow it.
    """
    missing = missing_protections()
    if not missing:
        return []
    if not allow_unprotected:
        raise UsageError(
            "class grading needs the sandbox's protections, which this platform lacks ("
            + "; ".join(missing)
            + "); run it on Linux, e.g. " + CONTAINER_HINT + ", or pass "
            "--allow-unprotected to grade anyway with no protection against the submissions"
        )
    return [unprotected_warning(missing)]
