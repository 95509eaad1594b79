"""normkatas.spec.cache: validated katas kept between runs, never different from parsing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from normkatas.spec import cache
from normkatas.spec.load import SpecError, load_kata, parse_kata
from normkatas.spec.resources import data_dir

BUNDLED = sorted(data_dir("katas").glob("*.yaml"))
KATA = """\
id: tiny
title: T
statement: Write f.
entry: f
params: [{name: x}]
returns: [{name: y}]
cases:
  - name: a
    args: {x: [1.0, 2.0]}
    expected: {y: [0.25, 0.5]}
"""


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("NORMKATAS_CACHE_DIR", str(folder))
    monkeypatch.delenv("NORMKATAS_NO_CACHE", raising=False)
    return folder


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.msgpack")) if folder.is_dir() else []


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_cached_katas_equal_parsed_ones(path: Path, cache_dir: Path) -> None:
    parsed = parse_kata(path.read_text(encoding="utf-8"), path)
    first = load_kata(path)  # parsed, then stored
    assert len(entries(cache_dir)) == 1
    second = load_kata(path)  # from the cache
    assert first == second == parsed
    assert second is not first


def test_an_edited_file_is_parsed_again(tmp_path: Path, cache_dir: Path) -> None:
    path = tmp_path / "k.yaml"
    path.write_text(KATA, encoding="utf-8")
    assert load_kata(path).title == "T"
    path.write_text(KATA.replace("title: T", "title: U"), encoding="utf-8")  # same size
    assert load_kata(path).title == "U"
    path.write_text(KATA.replace("title: T", "title: [T"), encoding="utf-8")
    with pytest.raises(SpecError):
        load_kata(path)  # errors are never cached


def test_a_corrupt_or_foreign_entry_is_ignored(tmp_path: Path, cache_dir: Path) -> None:
    path = tmp_path / "k.yaml"
    path.write_text(KATA, encoding="utf-8")
    load_kata(path)
    (entry,) = entries(cache_dir)
    entry.write_bytes(b"\x93not a kata")
    assert load_kata(path).id == "tiny"
    other = tmp_path / "other.yaml"
    other.write_text(KATA.replace("id: tiny", "id: other"), encoding="utf-8")
    load_kata(other)
    # an entry for other bytes under this file's name is not used
    (entry_other,) = [e for e in entries(cache_dir) if e != entry]
    entry.write_bytes(entry_other.read_bytes())
    assert load_kata(path).id == "tiny"


def test_the_stamp_covers_the_loader_code(tmp_path: Path, cache_dir: Path) -> None:
    path = tmp_path / "k.yaml"
    path.write_text(KATA, encoding="utf-8")
    load_kata(path)
    (entry,) = entries(cache_dir)
    stamped = entry.read_bytes()
    for module in (b"model.py", b"validate.py", b"conventions.py", b"questions.py"):
        assert module in cache.code_stamp()
    entry.write_bytes(stamped.replace(cache.code_stamp(), cache.code_stamp()[:-1] + b"?"))
    assert load_kata(path).id == "tiny"  # another grader's entry: parsed again
    assert entry.read_bytes() == stamped  # and replaced


def test_no_cache_and_unwritable_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "k.yaml"
    path.write_text(KATA, encoding="utf-8")
    monkeypatch.setenv("NORMKATAS_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("NORMKATAS_NO_CACHE", "1")
    assert cache.cache_dir() is None
    assert load_kata(path).id == "tiny" and not (tmp_path / "c").exists()
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.delenv("NORMKATAS_NO_CACHE")
    monkeypatch.setenv("NORMKATAS_CACHE_DIR", str(blocker / "sub"))  # cannot be created
    assert load_kata(path).id == "tiny"


def test_a_cached_load_does_not_import_yaml(tmp_path: Path, cache_dir: Path) -> None:
    path = tmp_path / "k.yaml"
    path.write_text(KATA, encoding="utf-8")
    load_kata(path)
    code = (
        "import sys; from normkatas.spec.load import load_kata; "
        f"k = load_kata({str(path)!r}); print(k.id, 'yaml' in sys.modules)"
    )
    env = {"NORMKATAS_CACHE_DIR": str(cache_dir), "PATH": ""}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True).stdout
    assert out.split() == ["tiny", "False"]
