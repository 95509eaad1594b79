"""Results only the grader wrote: seals that `--resume` verifies, and a full disk that
loses one file, not the run (no sandbox involved: fast)."""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path

import pytest

from normkatas.app.batch import seal as sealing
from normkatas.app.batch.collect import Submission
from normkatas.app.batch.store import ResultStore
from tests.support.batch import make_result


def _student(tmp_path: Path, name: str) -> Submission:
    return Submission(name, name, tmp_path / f"{name}.py", f"{name}.py", name[0] * 64)


def test_seal_verifies_and_catches_any_change() -> None:
    key = b"k" * 32
    record = sealing.seal({"student": "a", "score": 1.0, "cases": [1, 2]}, key)
    assert sealing.verify(record, key)
    assert sealing.verify(json.loads(json.dumps(record)), key)
    assert not sealing.verify({**record, "score": 2.0}, key)
    assert not sealing.verify(record, b"x" * 32)
    assert not sealing.verify({k: v for k, v in record.items() if k != "seal"}, key)
    assert not sealing.verify([record], key)


def test_the_key_is_private_and_replaced_when_it_is_not(tmp_path: Path) -> None:
    key = sealing.load_or_create_key(tmp_path)
    path = tmp_path / sealing.KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sealing.load_or_create_key(tmp_path) == key
    path.chmod(0o644)  # someone else may have read it: a new key, old seals fail
    assert sealing.read_key(tmp_path) is None
    assert sealing.load_or_create_key(tmp_path) != key
    path.unlink()
    path.symlink_to(tmp_path / "elsewhere")
    assert sealing.read_key(tmp_path) is None


def test_resume_trusts_only_sealed_records(tmp_path: Path) -> None:
    store = ResultStore(tmp_path / "results", None, key_dir=tmp_path)
    alice, bob = _student(tmp_path, "alice"), _student(tmp_path, "bob")
    store.add(alice, make_result(submission="alice.py", cases=(("a", "failed"),)))
    store.add(bob, make_result(submission="bob.py", cases=(("a", "failed"),)))
    store.close()
    forged = tmp_path / "results" / "bob.json"
    data = json.loads(forged.read_text())
    data.update(score=data["max_score"], status="passed")
    forged.write_text(json.dumps(data))
    (tmp_path / "results" / "eve.json").write_text(json.dumps({**data, "key": "eve"}))
    again = ResultStore(tmp_path / "results", None, key_dir=tmp_path)
    assert set(again.previous()) == {"alice"}
    assert again.untrusted == 2
    # Another folder's key (a copied results file) does not verify either.
    other = tmp_path / "other"
    (other / "results").mkdir(parents=True)
    (other / "results" / "alice.json").write_bytes((tmp_path / "results" / "alice.json")
                                                   .read_bytes())
    assert ResultStore(other / "results", None, key_dir=other).previous() == {}


def test_a_full_disk_loses_one_result_not_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from normkatas.app.batch import store as store_module

    real = store_module.write_atomic  # type: ignore[attr-defined]

    def write(path: Path, text: str) -> None:
        if path.name == "bob.json":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(path, text)

    monkeypatch.setattr(store_module, "write_atomic", write)
    store = ResultStore(tmp_path / "results", tmp_path / "results.jsonl", key_dir=tmp_path)
    store.start([])
    for name in ("alice", "bob", "carol"):
        store.add(_student(tmp_path, name), make_result(submission=f"{name}.py"))
    store.close()
    assert sorted(p.name for p in (tmp_path / "results").glob("*.json")) == [
        "alice.json", "carol.json"]
    assert [(p.name, reason) for p, reason in store.failures] == [
        ("bob.json", os.strerror(errno.ENOSPC))]
    assert len((tmp_path / "results.jsonl").read_text().splitlines()) == 3


def test_a_full_disk_for_the_jsonl_keeps_the_per_student_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ResultStore(tmp_path / "results", tmp_path / "results.jsonl", key_dir=tmp_path)
    store.start([])

    class Full:
        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def flush(self) -> None:
            pass

        def close(self) -> None:
            pass

    store._handle.close()  # type: ignore[union-attr]
    store._handle = Full()  # type: ignore[assignment]
    store.add(_student(tmp_path, "alice"), make_result(submission="alice.py"))
    store.add(_student(tmp_path, "bob"), make_result(submission="bob.py"))
    store.close()
    assert len(list((tmp_path / "results").glob("*.json"))) == 2
    assert [p.name for p, _ in store.failures] == ["results.jsonl"]
