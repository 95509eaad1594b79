"""Is student code graded here with the sandbox's protections?  The operator's question.

Class grading runs code that is not the operator's own; it needs the sandbox
to run each job under an identity of its own (another uid as root, a user
namespace otherwise), which only Linux offers.  `missing_protections` names
what this platform lacks (empty: nothing); `require_protection` refuses a
class run without them unless the operator passed ``--allow-unprotected``,
and `unprotected_warning` is the one sentence every operator-facing output
of such a run carries.

``NORMKATAS_UNPROTECTED=1`` in the grader's environment makes the grader treat
this platform as one without protections (to see and test that path).
"""

from __future__ import annotations

import os
import sys

from normkatas.errors import UsageError

CONTAINER_COMMAND = (
    'docker run --rm -v "$PWD:/work" -w /work "$(docker build -q .)" '
    "grade submissions/ --out graded/"
)
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
        "grade classes on Linux, e.g. in the container: " + CONTAINER_COMMAND
    )


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
            + "); run it on Linux, e.g. `" + CONTAINER_COMMAND + "`, or pass "
            "--allow-unprotected to grade anyway with no protection against the submissions"
        )
    return [unprotected_warning(missing)]
