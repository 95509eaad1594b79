"""Who submitted what: students, their files, and the kata of each file.

A student is the file stem of a file given (or lying directly in a folder
given), or the top-level folder name under a folder given (one folder per
student).  Each file is matched to its kata like a single `grade` run does;
files that match no kata are reported, not fatal, and are merely *ignored*
when the same student has another file that does match.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from normkatas.errors import UsageError

if TYPE_CHECKING:
    from normkatas.notebook import NotebookModule
    from normkatas.spec.library import KataLibrary
    from normkatas.spec.model import Kata

_UNSAFE_KEY = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Submission:
    student: str
    key: str
    """Unique among the run and safe as a file name: ``results/<key>.json``."""
    path: Path
    display: str
    sha256: str
    graded: Path | None = None
    """For a notebook: the module written for it (`normkatas.notebook`); else None."""
    notebook: NotebookModule | None = None

    @property
    def graded_path(self) -> Path:
        return self.graded if self.graded is not None else self.path


@dataclass(frozen=True)
class Unmatched:
    student: str
    display: str
    message: str
    ignored: bool = False
    """The same student has another file that matches a kata."""


@dataclass(frozen=True)
class Plan:
    submissions: list[tuple[Submission, Kata]]
    unmatched: list[Unmatched]


def student_of(path: Path, targets: Sequence[Path]) -> str:
    """The student a submission belongs to (see the module docstring)."""
    for target in targets:
        if target.is_file() and target == path:
            return path.stem
        if target.is_dir():
            try:
                parts = path.relative_to(target).parts
            except ValueError:
                continue
            return path.stem if len(parts) == 1 else parts[0]
    return path.stem


def plan_class(
    paths: Sequence[Path],
    targets: Sequence[Path],
    catalogue: KataLibrary,
    kata_id: str | None,
) -> Plan:
    from normkatas.spec.selection import KATA_OPTION_HINT, kata_by_id, select_kata

    if kata_id:
        kata_by_id(catalogue, kata_id, path_hint=KATA_OPTION_HINT)
    matched: list[tuple[str, Path, str, Kata]] = []
    unmatched: list[Unmatched] = []
    seen: set[Path] = set()
    for path in paths:
        resolved = path.resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        student = student_of(path, targets)
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            kata = select_kata(path, catalogue, kata_id)
        except (OSError, UsageError) as exc:
            message = str(exc).split("\n", 1)[0].removeprefix(f"{path}: ").removeprefix(f"{path} ")
            unmatched.append(Unmatched(student, str(path), message))
            continue
        matched.append((student, path, digest, kata))

    with_files = {student for student, *_ in matched}
    unmatched = [
        Unmatched(u.student, u.display, u.message, ignored=u.student in with_files)
        for u in unmatched
    ]
    return Plan(_with_keys(matched, targets), unmatched)


def _with_keys(
    matched: list[tuple[str, Path, str, Kata]], targets: Sequence[Path]
) -> list[tuple[Submission, Kata]]:
    per_student: dict[str, int] = {}
    for student, *_ in matched:
        per_student[student] = per_student.get(student, 0) + 1
    used: set[str] = set()
    out: list[tuple[Submission, Kata]] = []
    for student, path, digest, kata in matched:
        base = student
        if per_student[student] > 1:
            base = f"{student}-{_inner_name(path, student, targets)}"
        key = safe_key(base)
        suffix = 2
        candidate = key
        while candidate.lower() in used:
            candidate = f"{key}-{suffix}"
            suffix += 1
        used.add(candidate.lower())
        out.append((_with_module(Submission(student, candidate, path, str(path), digest)), kata))
    return out


_NOTEBOOK_FOLDER: list[Path] = []


def _with_module(submission: Submission) -> Submission:
    """A notebook gets its module written to a folder that lasts as long as the run."""
    from normkatas.notebook.files import is_notebook, write_module

    if not is_notebook(submission.path):
        return submission
    if not _NOTEBOOK_FOLDER:
        import atexit
        import shutil
        import tempfile

        _NOTEBOOK_FOLDER.append(Path(tempfile.mkdtemp(prefix="normkatas-notebooks-")))
        atexit.register(shutil.rmtree, _NOTEBOOK_FOLDER[0], ignore_errors=True)
    graded, module = write_module(submission.path, _NOTEBOOK_FOLDER[0])
    return dataclasses.replace(submission, graded=graded, notebook=module)


def _inner_name(path: Path, student: str, targets: Sequence[Path]) -> str:
    for target in targets:
        if target.is_dir():
            try:
                parts = path.relative_to(target).parts
            except ValueError:
                continue
            if len(parts) > 1 and parts[0] == student:
                return "-".join([*parts[1:-1], path.stem])
    return path.stem


def safe_key(text: str) -> str:
    """A file-name-safe form of a student name (never empty, never hidden)."""
    key = _UNSAFE_KEY.sub("_", text).strip("._") or "student"
    return key[:100]
