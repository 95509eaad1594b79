"""Refuse to grade hidden cases the student's code could read (the operator's message).

`normkatas.grading.secrecy` lists the files; this module says what to do about
them.  It applies where hidden cases are meant to be secret from the person whose
code runs: every class run, and a single `grade` run as root (Gradescope,
containers, CI).  A student grading their own code, whose copy of the katas is on
their own disk anyway, is never refused.  ``--allow-unprotected`` turns the
refusal into a warning.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from typing import TYPE_CHECKING

from normkatas.errors import UsageError

if TYPE_CHECKING:
    from normkatas.grading.secrecy import ExposedFile
    from normkatas.grading.session import Session


def single_run_needs_secrecy() -> bool:
    """A single `grade` keeps hidden cases secret when it runs as root (an operator's
    grader: Gradescope, a container, CI), not when a student grades their own file."""
    from normkatas.app.platform import is_root

    return is_root()


def check_hidden_cases(
    session: Session, kata_ids: Iterable[str], *, allow_unprotected: bool
) -> list[str]:
    """Raise UsageError (exit 2) when a job could read the hidden cases of a kata being
    graded; with ``allow_unprotected``, return that as a warning instead."""
    if session.protections.identity == "shared":
        return []  # no identity of its own: refused or allowed as a whole elsewhere
    from normkatas.grading.secrecy import exposed_files

    exposed = exposed_files(session.protections, session.library, kata_ids)
    if not exposed:
        return []
    message = exposure_message(exposed)
    if not allow_unprotected:
        raise UsageError(message + ", or pass --allow-unprotected to grade anyway")
    return [message]


def exposure_message(exposed: list[ExposedFile]) -> str:
    """One sentence: which files, why the student's code could read them, the fix."""
    katas = ", ".join(dict.fromkeys(f"'{e.kata_id}'" for e in exposed))
    paths = [str(e.path) for e in exposed]
    reasons = {e.reason for e in exposed}
    if "in-view" in reasons:
        return (f"the hidden cases of kata {katas} are in files inside the folders the "
                f"sandbox shows to student code ({', '.join(paths)}); keep kata and "
                "solution folders outside the Python install")
    if "same-user" in reasons:
        return (f"the hidden cases of kata {katas} ({', '.join(paths)}) are readable by the "
                "student's code here: the sandbox could not set up its filesystem view and "
                "the code runs as the grading user; grade as root, or where user and mount "
                "namespaces work")
    folders = list(dict.fromkeys(str(e.path.parent) for e in exposed))
    return (f"the hidden cases of kata {katas} are in files the student's code could read "
            f"({', '.join(paths)}); make them readable by the grading user only: "
            f"chmod -R go-rwx {' '.join(shlex.quote(f) for f in folders)}")
