"""The library's front door: load a kata, grade a file (see `normkatas.__all__`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from normkatas.report.result import Result
from normkatas.spec.model import Kata


def load_kata(kata: str | Path, *, katas_dirs: Sequence[Path] = ()) -> Kata:
    """A kata by id (bundled, or in `katas_dirs`) or by the path of its YAML file."""
    from normkatas.spec.library import KataLibrary
    from normkatas.spec.load import load_kata as load_file
    from normkatas.spec.selection import kata_by_id

    path = Path(kata)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        return load_file(path)
    return kata_by_id(KataLibrary.from_dirs(list(katas_dirs)), str(kata))


def grade_file(
    path: str | Path,
    *,
    kata: str | None = None,
    katas_dirs: Sequence[Path] = (),
    diagnose: bool = True,
) -> Result:
    """Grade one submission file against its kata (found from the function it defines).

    The student's code runs in the sandbox, exactly as `grade FILE` runs it.
    """
    from normkatas.grading.session import open_session
    from normkatas.spec.library import KataLibrary

    submission = Path(path)
    # The sandbox starts before any kata, reference or expected value is loaded.
    with open_session(load=lambda: KataLibrary.from_dirs(list(katas_dirs))) as session:
        from normkatas.grading.prepare import grade_submission, prepare
        from normkatas.spec.selection import select_kata

        library = session.library
        chosen = select_kata(submission, library, kata)
        prepared = prepare(chosen, [library.solutions_dir_for(chosen.id)], diagnose=diagnose)
        result = grade_submission(submission, prepared, session.sandbox)
    import msgspec

    from normkatas.app.platform import split_warnings

    student, _machine = split_warnings(result.warnings)  # about the machine, not the code
    return msgspec.structs.replace(result, warnings=student)
