"""Which files of the graded katas a job could read (`normkatas.grading.secrecy`), and
what the operator is told (`normkatas.app.secrecy`)."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from normkatas.app.secrecy import check_hidden_cases
from normkatas.errors import UsageError
from normkatas.grading.secrecy import exposed_files
from normkatas.sandbox.isolation import Protections
from normkatas.spec.library import KataLibrary
from tests.support import REPO


@pytest.fixture
def library(tmp_path: Path) -> KataLibrary:
    (tmp_path / "katas").mkdir()
    (tmp_path / "solutions").mkdir()
    for kata, ref in (("batchnorm-bchw", "batchnorm_bchw"), ("batchnorm-1d", "batchnorm_1d")):
        shutil.copy(REPO / "katas" / f"{kata}.yaml", tmp_path / "katas")
        shutil.copy(REPO / "solutions" / f"{ref}.py", tmp_path / "solutions")
    return KataLibrary([tmp_path / "katas"])


def _has_hidden(library: KataLibrary, kata_id: str) -> bool:
    return any(c.hidden for c in library.get(kata_id).cases)


def test_a_view_that_does_not_hold_the_folder_exposes_nothing(library: KataLibrary) -> None:
    prot = Protections(identity="separate-uid", filesystem_view=True, visible=("/usr",))
    assert exposed_files(prot, library, library.ids()) == []


def test_a_view_that_holds_the_folder_exposes_kata_and_reference(
    library: KataLibrary, tmp_path: Path
) -> None:
    prot = Protections(identity="separate-uid", filesystem_view=True, visible=(str(tmp_path),))
    exposed = exposed_files(prot, library, ["batchnorm-bchw"])
    assert _has_hidden(library, "batchnorm-bchw")
    assert {e.kind for e in exposed} == {"kata", "reference"}
    assert {e.reason for e in exposed} == {"in-view"}


def test_a_user_namespace_without_a_view_cannot_hide_anything(library: KataLibrary) -> None:
    prot = Protections(identity="user-namespace")
    exposed = exposed_files(prot, library, ["batchnorm-bchw"])
    assert exposed and {e.reason for e in exposed} == {"same-user"}
    session = SimpleNamespace(protections=prot, library=library)
    with pytest.raises(UsageError, match="grade as root"):
        check_hidden_cases(session, ["batchnorm-bchw"], allow_unprotected=False)  # type: ignore[arg-type]
    warnings = check_hidden_cases(session, ["batchnorm-bchw"], allow_unprotected=True)  # type: ignore[arg-type]
    assert len(warnings) == 1 and "readable by the student's code" in warnings[0]


def test_permissions_decide_for_another_uid(
    library: KataLibrary, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prot = Protections(identity="separate-uid")
    # Readable by others all the way down (tmp_path's ancestors may be private).
    import tempfile

    if not Path("/tmp").is_dir() or Path("/tmp").stat().st_mode & 0o7 != 0o7:
        pytest.skip("needs a world-open /tmp")
    open_dir = Path(tempfile.mkdtemp(dir="/tmp"))
    shutil.copytree(tmp_path / "katas", open_dir / "katas")
    shutil.copytree(tmp_path / "solutions", open_dir / "solutions")
    for path in [open_dir, *open_dir.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    library = KataLibrary([open_dir / "katas"])
    tmp_path = open_dir
    exposed = exposed_files(prot, library, ["batchnorm-bchw"])
    assert {e.reason for e in exposed} == {"permissions"}
    session = SimpleNamespace(protections=prot, library=library)
    with pytest.raises(UsageError, match="chmod -R go-rwx"):
        check_hidden_cases(session, ["batchnorm-bchw"], allow_unprotected=False)  # type: ignore[arg-type]
    tmp_path.chmod(0o700)
    try:
        assert exposed_files(prot, library, ["batchnorm-bchw"]) == []
    finally:
        shutil.rmtree(open_dir)


def test_a_shared_identity_is_left_to_the_class_run_check(library: KataLibrary) -> None:
    session = SimpleNamespace(protections=Protections(), library=library)
    assert check_hidden_cases(session, library.ids(), allow_unprotected=False) == []  # type: ignore[arg-type]
