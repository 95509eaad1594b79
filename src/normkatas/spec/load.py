"""YAML kata file -> validated `Kata`, or a `SpecError` that says where.

Every problem (unreadable bytes, YAML syntax, duplicate keys, tabs, wrong
types, unknown keys, cross-field mistakes) is reported as one `SpecError`
with the file, the 1-based line, the key path (``cases[2].tolerance.atol``)
and a message in plain words; never a traceback.

Numbers: ``1e-5`` is a float (PyYAML's YAML 1.1 would read text), and a
number written as text in a number field (``atol: "1e-5"``) is accepted.
A case's ``expected`` values are judged like answers, within the grading
tolerance (`normkatas.grading.written`); ``expected_atol`` is only what a case
writes itself (nothing is inferred from the decimals written).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import msgspec

from normkatas.spec import typecheck
from normkatas.spec.model import Kata

if TYPE_CHECKING:  # PyYAML is imported only when a file is actually parsed
    from normkatas.spec._yaml import Document

__all__ = ["SpecError", "load_kata", "load_yaml", "parse_kata"]

_MSGSPEC_PATH = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_PATH_PART = re.compile(r"\.([^.\[]+)|\[(\d+)\]|\[\.\.\.\]")


class SpecError(Exception):
    """A kata file that cannot be used, with where and why.

    ``str(error)`` reads like a compiler error:
    ``katas/x.yaml:14: cases[2].tolerance.atol: must be a number, got the text 'abc'``.
    """

    def __init__(
        self, file: str | Path, line: int | None, key: str | None, message: str
    ) -> None:
        super().__init__(file, line, key, message)
        self.file = str(file)
        self.line = line
        self.key = key or None
        self.message = message

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.file, self.line, self.key, self.message))


def _line(doc: Document, path: tuple[str | int, ...]) -> int | None:
    return doc.line(path)


def _from_msgspec(exc: msgspec.ValidationError, doc: Document, file: str | Path) -> SpecError:
    """Fallback for anything msgspec finds that `typecheck` did not."""
    text = str(exc)
    m = _MSGSPEC_PATH.search(text)
    path: tuple[str | int, ...] = ()
    if m:
        text = text[: m.start()]
        for name, index in _PATH_PART.findall(m.group("path")):
            if not name and not index:
                break  # `[...]`: a dict key msgspec does not name
            path = (*path, name or int(index))
    return SpecError(file, _line(doc, path), typecheck.format_path(path), text)


def _in_expected(path: tuple[str | int, ...]) -> bool:
    return len(path) > 2 and path[0] == "cases" and path[2] == "expected"


def parse_kata(text: str, file: str | Path = "<kata>") -> Kata:
    """Validate kata YAML text; ``file`` is only used in error messages."""
    from normkatas.spec import conventions, questions, validate
    from normkatas.spec._yaml import YamlProblem, read_yaml
    from normkatas.spec.sequence import precheck_dicts

    try:
        doc = read_yaml(text, _in_expected)
    except YamlProblem as problem:
        raise SpecError(
            file, problem.line, typecheck.format_path(problem.path), problem.message
        ) from None

    def fail(path: tuple[str | int, ...], message: str) -> NoReturn:
        raise SpecError(file, _line(doc, path), typecheck.format_path(path), message)

    if not isinstance(doc.data, dict):
        fail((), "the top level must be a mapping of keys (id, title, statement, ...), "
             f"got {typecheck.describe_value(doc.data)}")
    precheck_dicts(doc.data, fail)
    data = typecheck.conform(doc.data, Kata, (), fail)
    try:
        kata = msgspec.convert(data, Kata)
    except msgspec.ValidationError as exc:
        raise _from_msgspec(exc, doc, file) from None
    conventions.fill_roles(kata)
    validate.validate_kata(kata, data, fail)
    conventions.check_conventions(kata, fail)
    questions.check_questions(kata, fail)
    conventions.fill_defaults(kata)
    return kata


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SpecError(path, None, None, f"cannot read the file: {exc.strerror or exc}") from None


def _text(path: Path, raw: bytes) -> str:
    from normkatas.spec._yaml import YamlProblem, decode

    try:
        return decode(raw)
    except YamlProblem as problem:
        raise SpecError(path, problem.line, None, problem.message) from None


def _read(path: Path) -> str:
    return _text(path, _read_bytes(path))


def load_kata(path: Path, raw: bytes | None = None) -> Kata:
    """Read and validate one kata file; raise SpecError on any problem.

    ``raw``: the file's bytes when the caller has already read them.  A file
    validated before comes from the cache of `normkatas.spec.cache`.
    """
    from normkatas.spec.cache import cached_kata

    path = Path(path)
    data = _read_bytes(path) if raw is None else raw
    return cached_kata(data, lambda: parse_kata(_text(path, data), path))


def load_yaml(path: Path) -> Any:
    """The plain data of a YAML file, read the way kata files are (``1e-5`` is a float)."""
    from normkatas.spec._yaml import YamlProblem, read_yaml

    path = Path(path)
    try:
        return read_yaml(_read(path)).data
    except YamlProblem as problem:
        raise SpecError(
            path, problem.line, typecheck.format_path(problem.path), problem.message
        ) from None
