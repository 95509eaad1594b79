"""The katas on disk: one or more folders of ``*.yaml`` files.

The bundled folder (``grader.resources.data_dir("katas")``) comes first,
then the instructors' extra folders; a later folder's kata replaces an
earlier kata with the same id (keeping its place in the listing).  Within a
folder files load in name order, and two files with the same id are an
error for the second one.  Files that fail to load are collected in
``.errors`` so that the good ones can still be listed.

Solutions convention: a kata folder's reference solutions live in the
``solutions/`` folder *next to it*, ``<dir>/../solutions`` (the layout of
this repository, ``katas/`` beside ``solutions/``, and of the wheel).  When
there is no such folder the bundled solutions folder is used.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.resources import data_dir
from grader.spec._typecheck import close_matches
from grader.spec.load import SpecError, load_kata
from grader.spec.model import Kata

__all__ = ["KataCatalogue", "UnknownKataError", "solutions_dir_next_to"]


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
    """``<kata_dir>/../solutions`` if it is a folder, else the bundled solutions."""
    sibling = Path(kata_dir).parent / "solutions"
    return sibling if sibling.is_dir() else data_dir("solutions")


@dataclass(frozen=True)
class _Entry:
    kata: Kata
    path: Path
    solutions_dir: Path


_ID_LINE = re.compile(rb"^id:[ \t]*([a-z0-9]+(?:-[a-z0-9]+)*)[ \t]*(?:#[^\n]*)?\r?$", re.M)
_ENTRY_LINE = re.compile(rb"^entry:[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*(?:#[^\n]*)?\r?$", re.M)


@dataclass
class _File:
    """A kata file, and what a glance at its top-level ``id:``/``entry:`` lines says."""

    path: Path
    folder: int
    solutions_dir: Path
    raw: bytes | None
    hint: tuple[str, str] | None
    """(id, entry) when the file has exactly one plain line of each; else None."""


def _hint(raw: bytes) -> tuple[str, str] | None:
    ids = _ID_LINE.findall(raw)
    entries = _ENTRY_LINE.findall(raw)
    if len(ids) != 1 or len(entries) != 1:
        return None
    return ids[0].decode("ascii"), entries[0].decode("ascii")


class _HintMismatch(Exception):
    """A file said one id or entry at a glance and another once parsed."""


class KataCatalogue:
    """Katas loaded from folders; see the module docstring for the rules.

    Loading is lazy: a glance at each file's ``id:`` and ``entry:`` lines
    tells which file(s) `get` and `match_functions` need, and only those
    are parsed and validated.  Anything that needs every kata (`all`, `ids`,
    `errors`, ...) loads them all; so does a file whose glance is unsure or
    wrong.  The answers are those of loading every file up front.
    """

    def __init__(self, dirs: Iterable[str | Path], *, optional: Iterable[Path] = ()) -> None:
        self.dirs = [Path(d) for d in dirs]
        self._missing: list[SpecError] = []
        self._files: list[_File] = []
        self._loaded: dict[Path, Kata | SpecError] = {}
        self._all: tuple[dict[str, _Entry], list[SpecError]] | None = None
        skip_missing = {Path(p) for p in optional}
        for index, folder in enumerate(self.dirs):
            if not folder.is_dir():
                if folder not in skip_missing:
                    self._missing.append(SpecError(folder, None, None, "kata folder not found"))
                continue
            solutions = solutions_dir_next_to(folder)
            for path in sorted(p for p in folder.glob("*.yaml") if p.is_file()):
                try:
                    raw: bytes | None = path.read_bytes()
                except OSError:
                    raw = None  # load_kata reports it
                hint = _hint(raw) if raw is not None else None
                self._files.append(_File(path, index, solutions, raw, hint))
        # every file we cannot place at a glance is loaded now
        for file in self._files:
            if file.hint is None:
                self._load(file)

    @classmethod
    def from_dirs(
        cls, dirs: Iterable[str | Path] = (), *, bundled: bool = True
    ) -> KataCatalogue:
        """The bundled katas (unless ``bundled=False``) then those in ``dirs``."""
        extra = [Path(d) for d in dirs]
        if not bundled:
            return cls(extra)
        own = data_dir("katas")
        return cls([own, *extra], optional=[own])

    # -- loading ----------------------------------------------------------------------

    def _load(self, file: _File) -> Kata | SpecError:
        done = self._loaded.get(file.path)
        if done is None:
            try:
                done = load_kata(file.path, file.raw)
            except SpecError as exc:
                done = exc
            self._loaded[file.path] = done
        if file.hint is not None and isinstance(done, Kata) and (done.id, done.entry) != file.hint:
            raise _HintMismatch(file.path)
        return done

    def _known_id(self, file: _File) -> str | None:
        if file.hint is not None:
            return file.hint[0]
        done = self._loaded.get(file.path)
        return done.id if isinstance(done, Kata) else None

    def _build(self, files: Iterable[_File]) -> tuple[dict[str, _Entry], list[SpecError]]:
        """Folder by folder, file by file: the first valid file of an id in a folder
        wins there (later ones are errors); a later folder replaces an earlier one."""
        entries: dict[str, _Entry] = {}
        errors: list[SpecError] = list(self._missing)
        here: dict[str, Path] = {}
        folder = -1
        for file in files:
            if file.folder != folder:
                folder, here = file.folder, {}
            kata = self._load(file)
            if isinstance(kata, SpecError):
                errors.append(kata)
                continue
            if kata.id in here:
                errors.append(SpecError(
                    file.path, None, "id",
                    f"kata id '{kata.id}' is also used by {here[kata.id].name}",
                ))
                continue
            here[kata.id] = file.path
            entries[kata.id] = _Entry(kata, file.path, file.solutions_dir)
        return entries, errors

    def _everything(self) -> tuple[dict[str, _Entry], list[SpecError]]:
        if self._all is None:
            try:
                self._all = self._build(self._files)
            except _HintMismatch:  # every file is loaded now: trust no glance
                for file in self._files:
                    file.hint = None
                self._all = self._build(self._files)
        return self._all

    def _some(self, ids: set[str]) -> dict[str, _Entry]:
        """The entries of ``ids`` as loading everything would give them (same order)."""
        if self._all is not None:
            return self._all[0]
        try:
            return self._build(f for f in self._files if self._known_id(f) in ids)[0]
        except _HintMismatch:
            return self._everything()[0]

    @property
    def _entries(self) -> dict[str, _Entry]:
        return self._everything()[0]

    @property
    def errors(self) -> list[SpecError]:
        """Files that could not be loaded (and folders not found), in load order."""
        return self._everything()[1]

    # -- queries ------------------------------------------------------------------------

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
        ids = {f.hint[0] for f in self._files if f.hint is not None and f.hint[1] in wanted}
        ids.update(
            k.id for k in self._loaded.values() if isinstance(k, Kata) and k.entry in wanted
        )
        entries = self._some(ids)
        return [e.kata for e in entries.values() if e.kata.entry in wanted]

    def _entry(self, kata_id: str) -> _Entry:
        entry = self._some({kata_id}).get(kata_id)
        if entry is None:
            raise UnknownKataError(kata_id, list(self._entries))
        return entry

    def __contains__(self, kata_id: object) -> bool:
        return kata_id in self._entries

    def __iter__(self) -> Iterator[Kata]:
        return iter(self.all())

    def __len__(self) -> int:
        return len(self._entries)
