"""normkatas.spec.library: kata folders on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from normkatas.spec.library import KataLibrary, UnknownKataError, solutions_dir_next_to
from normkatas.spec.load import SpecError
from normkatas.spec.resources import data_dir


def kata_text(kata_id: str, entry: str = "f", title: str = "T") -> str:
    return f"""\
id: {kata_id}
title: {title}
statement: Write {entry}.
entry: {entry}
params: [{{name: x}}, {{name: epsilon, default: 1e-5}}]
returns: [{{name: y}}]
cases:
  - name: a
    args: {{x: [1.0, 2.0]}}
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_loads_every_yaml_in_a_folder(tmp_path: Path) -> None:
    katas = tmp_path / "katas"
    write(katas, "b.yaml", kata_text("beta-kata", "g"))
    write(katas, "a.yaml", kata_text("alpha-kata", "f"))
    write(katas, "notes.txt", "not a kata")
    cat = KataLibrary.from_dirs([katas], bundled=False)
    assert cat.ids() == ["alpha-kata", "beta-kata"]  # file name order
    assert [k.id for k in cat.all()] == cat.ids()
    assert cat.get("beta-kata").entry == "g"
    assert cat.path_of("alpha-kata") == katas / "a.yaml"
    assert "alpha-kata" in cat and len(cat) == 2 and [k.id for k in cat] == cat.ids()
    assert cat.errors == []


def test_bad_files_are_collected_not_raised(tmp_path: Path) -> None:
    katas = tmp_path / "katas"
    write(katas, "good.yaml", kata_text("good"))
    write(katas, "bad.yaml", kata_text("bad").replace("title: T", "title: [T"))
    write(katas, "empty.yaml", "")
    cat = KataLibrary.from_dirs([katas], bundled=False)
    assert cat.ids() == ["good"]
    assert sorted(Path(e.file).name for e in cat.errors) == ["bad.yaml", "empty.yaml"]
    assert all(isinstance(e, SpecError) for e in cat.errors)


def test_duplicate_id_in_one_folder_is_an_error(tmp_path: Path) -> None:
    katas = tmp_path / "katas"
    write(katas, "a.yaml", kata_text("same", "f"))
    write(katas, "b.yaml", kata_text("same", "g"))
    cat = KataLibrary.from_dirs([katas], bundled=False)
    assert cat.get("same").entry == "f"
    (err,) = cat.errors
    assert Path(err.file).name == "b.yaml" and err.key == "id" and "a.yaml" in err.message


def test_later_folders_override_earlier_ones(tmp_path: Path) -> None:
    first, second = tmp_path / "one" / "katas", tmp_path / "two" / "katas"
    write(first, "k.yaml", kata_text("k", title="first"))
    write(first, "other.yaml", kata_text("other"))
    write(second, "k.yaml", kata_text("k", title="second"))
    cat = KataLibrary.from_dirs([first, second], bundled=False)
    assert cat.get("k").title == "second"
    assert cat.ids() == ["k", "other"]  # the override keeps its place
    assert cat.path_of("k") == second / "k.yaml"


def test_missing_folder_is_reported(tmp_path: Path) -> None:
    cat = KataLibrary.from_dirs([tmp_path / "nowhere"], bundled=False)
    (err,) = cat.errors
    assert "not found" in err.message and len(cat) == 0


def test_unknown_id_suggests_close_ones(tmp_path: Path) -> None:
    katas = tmp_path / "katas"
    write(katas, "a.yaml", kata_text("batchnorm-bchw"))
    write(katas, "b.yaml", kata_text("layernorm-bchw", "g"))
    cat = KataLibrary.from_dirs([katas], bundled=False)
    with pytest.raises(LookupError) as info:
        cat.get("batchnorm-bhcw")
    assert isinstance(info.value, UnknownKataError)
    assert info.value.suggestions[0] == "batchnorm-bchw"
    assert "did you mean 'batchnorm-bchw'" in str(info.value)
    with pytest.raises(UnknownKataError, match="known katas: batchnorm-bchw, layernorm-bchw"):
        cat.get("zzz")
    with pytest.raises(UnknownKataError, match="no katas"):
        KataLibrary([], optional=[]).get("x")


def test_match_functions(tmp_path: Path) -> None:
    katas = tmp_path / "katas"
    write(katas, "a.yaml", kata_text("a", "batch_normalization"))
    write(katas, "b.yaml", kata_text("b", "layer_normalization"))
    write(katas, "c.yaml", kata_text("c", "batch_normalization"))
    cat = KataLibrary.from_dirs([katas], bundled=False)
    found = cat.match_functions(["helper", "batch_normalization"])
    assert [k.id for k in found] == ["a", "c"]
    assert cat.match_functions(iter([])) == []


def test_solutions_folder_next_to_the_kata_folder(tmp_path: Path) -> None:
    course = tmp_path / "course"
    katas = course / "katas"
    write(katas, "k.yaml", kata_text("k"))
    (course / "solutions").mkdir()
    assert solutions_dir_next_to(katas) == data_dir("solutions")  # empty: no hiding
    write(course / "solutions", "k.py", "def f(x):\n    return x\n")
    lonely = tmp_path / "lonely" / "katas"
    write(lonely, "l.yaml", kata_text("l"))
    cat = KataLibrary.from_dirs([katas, lonely], bundled=False)
    assert cat.solutions_dir_for("k") == course / "solutions"
    assert cat.solutions_dir_for("l") == data_dir("solutions")
    assert solutions_dir_next_to(katas) == course / "solutions"
    # last kata folder first (its modules win), no duplicates
    assert cat.solutions_dirs == [data_dir("solutions"), course / "solutions"]


def test_bundled_folder_comes_first(tmp_path: Path) -> None:
    katas = tmp_path / "katas"
    write(katas, "mine.yaml", kata_text("my-own-kata"))
    cat = KataLibrary.from_dirs([katas])
    assert cat.dirs == [data_dir("katas"), katas]
    assert cat.ids()[-1] == "my-own-kata"
    assert cat.solutions_dirs[-1] == data_dir("solutions")


def test_loading_many_katas(tmp_path: Path) -> None:
    katas = tmp_path / "katas"
    for i in range(12):
        write(katas, f"k{i:02}.yaml", kata_text(f"kata-{i}"))
    KataLibrary.from_dirs([katas], bundled=False)  # warm caches
    cat = KataLibrary.from_dirs([katas], bundled=False)
    assert len(cat) == 12  # (how fast: benchmarks/run.py)


BUNDLED = sorted(data_dir("katas").glob("*.yaml"))


@pytest.mark.skipif(not BUNDLED, reason="no bundled katas yet")
def test_every_bundled_kata_loads() -> None:
    cat = KataLibrary.from_dirs()
    assert [str(e) for e in cat.errors] == []
    assert len(cat) == len(BUNDLED)
    for kata in cat.all():
        assert cat.solutions_dir_for(kata.id) == data_dir("solutions")
