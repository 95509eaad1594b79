"""Are a kata's hidden cases out of the student's reach here?

Hidden cases are only hidden if the student's code cannot open the files they
come from: the kata's YAML and its reference solution.  The sandbox says what
a job could read (`Protections.job_can_read`: the filesystem view where there
is one, the file permissions for a job running under another uid).  This
module lists the files of the katas being graded that a job could read, as
data; the command line turns the list into a refusal (or, with
``--allow-unprotected``, a warning) that says how to fix the permissions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from normkatas.sandbox.isolation import Protections
    from normkatas.spec.library import KataLibrary


@dataclass(frozen=True)
class ExposedFile:
    """A file holding hidden cases (or the reference that computes their answers) that
    the student's code could read."""

    kata_id: str
    path: Path
    kind: Literal["kata", "reference"]
    reason: Literal["in-view", "permissions", "same-user"]
    """``in-view``: it lies inside the sandbox's filesystem view (move it out);
    ``permissions``: the job's own uid may read it (take the permissions away);
    ``same-user``: there is no view and the job runs as the grading user (a user
    namespace), so only a working view (or grading as root) can hide it."""


def exposed_files(
    protections: Protections, library: KataLibrary, kata_ids: Iterable[str]
) -> list[ExposedFile]:
    """The files of the given katas with hidden cases that a job could read (empty: the
    hidden cases are out of reach).  Without an identity of its own the job is the grading
    user and can read everything; that case is the caller's to refuse or allow."""
    found: list[ExposedFile] = []
    for kata_id in dict.fromkeys(kata_ids):
        kata = library.get(kata_id)
        if not any(case.hidden for case in kata.cases):
            continue
        reference = library.solutions_dir_for(kata_id) / f"{kata.reference_module}.py"
        files: list[tuple[Path, Literal["kata", "reference"]]] = [
            (library.path_of(kata_id), "kata"), (reference, "reference")]
        for path, kind in files:
            if path.exists() and protections.job_can_read(path):
                found.append(ExposedFile(kata_id, path, kind, _reason(protections)))
    return found


def _reason(protections: Protections) -> Literal["in-view", "permissions", "same-user"]:
    if protections.filesystem_view:
        return "in-view"
    return "permissions" if protections.identity == "separate-uid" else "same-user"
