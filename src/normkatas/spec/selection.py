"""Which files are submissions, and which kata a submission is for.

The kata is found from the names of the functions a file defines, read with
`ast` without running the file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from normkatas.errors import UsageError

if TYPE_CHECKING:
    from normkatas.spec.library import KataLibrary
    from normkatas.spec.model import Kata

_DEF = re.compile(rb"^[ \t]*def[ \t]+([A-Za-z_]\w*)", re.MULTILINE)
_SKIP_PARTS = {"__pycache__", ".git", ".venv", "node_modules"}


def collect_submissions(targets: Sequence[Path]) -> list[Path]:
    """Files as given; folders expanded to the Python files, notebooks and quiz answers
    files (``answers.yaml``, ``*.answers.yaml``) below them, sorted."""
    found: list[Path] = []
    for target in targets:
        if target.is_file():
            found.append(target)
        elif target.is_dir():
            found.extend(
                p
                for p in sorted([*target.rglob("*.py"), *target.rglob("*.ipynb"),
                                 *target.rglob("*answers.yaml"), *target.rglob("*answers.yml")])
                if p.is_file()
                and not any(part in _SKIP_PARTS or part.startswith(".") for part in
                            p.relative_to(target).parts)
            )
        else:
            raise UsageError(f"{target}: no such file or folder")
    if not found:
        raise UsageError(
            "no Python files or notebooks found in " + ", ".join(str(t) for t in targets)
        )
    return found


def function_names(path: Path) -> list[str]:
    """Top-level function names; for a file that does not parse, a best-effort scan.

    For a notebook, the names its graded module defines (`normkatas.notebook`).
    """
    from normkatas.notebook.files import is_notebook
    from normkatas.spec.discover import functions_in

    try:
        if is_notebook(path):
            from normkatas.notebook import NotebookError, convert_file

            try:
                source = convert_file(path).source.encode("utf-8")
            except NotebookError as exc:
                raise UsageError(str(exc)) from None
        else:
            source = path.read_bytes()
        return functions_in(source, str(path))
    except SyntaxError:
        return [m.decode("ascii", "replace") for m in _DEF.findall(source)]
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: cannot read it ({exc})") from None


KATA_OPTION_HINT = (
    "--kata takes a kata id (see `grade --list`), not a file or folder; "
    "to add kata files use --katas-dir FOLDER"
)


def kata_by_id(catalogue: KataLibrary, kata_id: str, *, path_hint: str = "") -> Kata:
    """The kata with this id, or a usage error naming the close ones.

    ``path_hint`` is added when the id looks like a path (a kata file given
    where an id was expected).
    """
    try:
        return catalogue.get(kata_id)
    except LookupError as exc:
        message = str(exc)
        if path_hint and (Path(kata_id).exists() or kata_id.endswith((".yaml", ".yml"))):
            message += "\n" + path_hint
        raise UsageError(message) from None


def select_kata(path: Path, catalogue: KataLibrary, kata_id: str | None) -> Kata:
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    if kata_id:
        return kata_by_id(catalogue, kata_id, path_hint=KATA_OPTION_HINT)
    if path.suffix.lower() in (".yaml", ".yml"):  # an answers file names its kata
        return _answers_kata(path, catalogue)
    names = function_names(path)
    matches = catalogue.match_functions(names)
    if len(matches) > 1:  # the kata whose every function the file defines, the most of them
        full = [k for k in matches if all(f.name in names for f in k.functions)]
        most = max((len(k.functions) for k in full), default=0)
        best = [k for k in full if len(k.functions) == most]
        matches = best if len(best) == 1 else matches
    if len(matches) == 1:
        return matches[0]
    if matches:
        listed = ", ".join(f"{k.id} ({k.entry})" for k in matches)
        raise UsageError(
            f"{path} defines the functions of several katas: {listed}; "
            "choose one with --kata ID"
        )
    raise UsageError(no_match_message(path, names, catalogue.all()))


def _answers_kata(path: Path, catalogue: KataLibrary) -> Kata:
    from normkatas.spec.answers import AnswersError, read_answers

    try:
        kata_id, _ = read_answers(path)
    except AnswersError as exc:
        raise UsageError(str(exc)) from None
    if kata_id is None:
        raise UsageError(f"{path}: an answers file names its kata (`kata: ID`), or pass --kata ID")
    return kata_by_id(catalogue, kata_id)


def no_match_message(path: Path, names: Sequence[str], katas: Sequence[Kata]) -> str:
    import difflib

    entries = {k.entry: k for k in katas}
    lines = [f"{path} defines no function of a known kata"]
    near: list[str] = []
    for name in names:
        for close in difflib.get_close_matches(name, list(entries), n=2, cutoff=0.6):
            near.append(f"  `{name}` looks like `{close}` (kata {entries[close].id})")
    if near:
        lines.append("close matches:")
        lines.extend(dict.fromkeys(near))
    lines.append("the katas and the function each expects:")
    lines.extend(f"  {k.id:<22} {k.entry}" for k in katas)
    lines.append("rename your function, or choose a kata with --kata ID")
    return "\n".join(lines)
