"""The katas on disk: one or more folders of ``*.yaml`` files.

The bundled folder (``normkatas.spec.resources.data_dir("katas")``) comes first,
then the instructors' extra folders; a later folder's kata replaces an
earlier kata with the same id (keeping its place in the listing).  Within a
folder files load in name order, and two files with the same id are an
error for the second one.  Files that fail to load are collected in
``.errors`` so that the good ones can still be listed.

Solutions convention: a kata folder's reference solutions live in the
``solutions/`` folder *next to it*, ``<dir>/../solutions`` (the layout of
this repository, ``katas/`` beside ``solutions/``, and of the wheel).  When
there is no such folder, or it holds no Python file, the bundled solutions
folder is used.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from normkatas.spec.load import SpecError, load_kata
from normkatas.spec.model import Kata
from normkatas.spec.resources import data_dir
from normkatas.spec.typecheck import close_matches

__all__ = ["KataLibrary", "UnknownKataError", "solutions_dir_next_to"]


class UnknownKataError(LookupError):
    """No kata has this id; ``suggestions`` holds the close ones."""

    def __init__(self, kata_id: str, known: Sequence[str]) -> None:
        self.kata_id = kata_id
        self.known = list(known)
        self.suggestions = close_matches(kata_id, self.known, n=3, cutoff=0.5)
        super().__init__(kata_id)

    def __str__(self) -> str:
        if self.suggestions:
            options = " or ".join(f"'{s}'" for s in self.suggestions)
            return f"unknown kata '{self.kata_id}'; did you mean {options}?"
        if self.known:
            return f"unknown kata '{self.kata_id}'; known katas: {', '.join(self.known)}"
        return f"unknown kata '{self.kata_id}': no katas are installed"


def solutions_dir_next_to(kata_dir: Path) -> Path:
    """``<kata_dir>/../solutions`` if it is a folder holding Python files, else the
    bundled solutions (an empty ``solutions/`` folder does not hide them)."""
    sibling = Path(kata_dir).parent / "solutions"
    if sibling.is_dir() and any(sibling.glob("*.py")):
        return sibling
    return data_dir("solutions")


@dataclass(frozen=True)
class _Entry:
    kata: Kata
    path: Path
    solutions_dir: Path


class KataLibrary:
    """Katas loaded from folders; see the module docstring for the rules."""

    def __init__(self, dirs: Iterable[str | Path], *, optional: Iterable[Path] = ()) -> None:
        self.dirs = [Path(d) for d in dirs]
        self.errors: list[SpecError] = []
        self._entries: dict[str, _Entry] = {}
        skip_missing = {Path(p) for p in optional}
        for folder in self.dirs:
            if not folder.is_dir():
                if folder not in skip_missing:
                    self.errors.append(SpecError(folder, None, None, "kata folder not found"))
                continue
            self._load_folder(folder)

    @classmethod
    def from_dirs(
        cls, dirs: Iterable[str | Path] = (), *, bundled: bool = True
    ) -> KataLibrary:
        """The bundled katas (unless ``bundled=False``) then those in ``dirs``."""
        extra = [Path(d) for d in dirs]
        if not bundled:
            return cls(extra)
        own = data_dir("katas")
        return cls([own, *extra], optional=[own])

    def _load_folder(self, folder: Path) -> None:
        solutions = solutions_dir_next_to(folder)
        here: dict[str, Path] = {}
        for path in sorted(p for p in folder.glob("*.yaml") if p.is_file()):
            try:
                kata = load_kata(path)
            except SpecError as exc:
                self.errors.append(exc)
                continue
            if kata.id in here:
                self.errors.append(SpecError(
                    path, None, "id", f"kata id '{kata.id}' is also used by {here[kata.id].name}"
                ))
                continue
            here[kata.id] = path
            self._entries[kata.id] = _Entry(kata, path, solutions)

    def all(self) -> list[Kata]:
        return [e.kata for e in self._entries.values()]

    def ids(self) -> list[str]:
        return list(self._entries)

    def get(self, kata_id: str) -> Kata:
        return self._entry(kata_id).kata

    def path_of(self, kata_id: str) -> Path:
        """The YAML file the kata was loaded from."""
        return self._entry(kata_id).path

    def solutions_dir_for(self, kata_id: str) -> Path:
        """The solutions folder next to the kata's folder (see the module docstring)."""
        return self._entry(kata_id).solutions_dir

    @property
    def solutions_dirs(self) -> list[Path]:
        """One solutions folder per kata folder, deduplicated, the last kata folder's first
        (the search order for a reference module: overrides win)."""
        found = [solutions_dir_next_to(d) for d in reversed(self.dirs) if d.is_dir()]
        return list(dict.fromkeys(found)) or [data_dir("solutions")]

    def match_functions(self, names: Iterable[str]) -> list[Kata]:
        """Katas whose ``entry`` is one of ``names``, in catalogue order."""
        wanted = set(names)
        return [e.kata for e in self._entries.values() if e.kata.entry in wanted]

    def _entry(self, kata_id: str) -> _Entry:
        try:
            return self._entries[kata_id]
        except KeyError:
            raise UnknownKataError(kata_id, list(self._entries)) from None

    def __contains__(self, kata_id: object) -> bool:
        return kata_id in self._entries

    def __iter__(self) -> Iterator[Kata]:
        return iter(self.all())

    def __len__(self) -> int:
        return len(self._entries)
