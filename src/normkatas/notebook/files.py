"""A notebook submission on disk: its module written to a file the sandbox runs like any other.

    with submission_file(Path("solution.ipynb")) as (graded, module):
        ...  # grade `graded` (a .py file); `module` maps its lines back to cells

For a ``.py`` file, ``graded`` is the file itself and ``module`` is None.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from normkatas.notebook.convert import NotebookModule, convert_file

NOTEBOOK_SUFFIX = ".ipynb"
_UNSAFE = re.compile(r"[^A-Za-z0-9_]+")


def is_notebook(path: Path) -> bool:
    return path.suffix.lower() == NOTEBOOK_SUFFIX


def write_module(path: Path, folder: Path) -> tuple[Path, NotebookModule]:
    """Convert the notebook `path` and write its module into `folder`."""
    module = convert_file(path)
    stem = _UNSAFE.sub("_", path.stem).strip("_") or "notebook"
    target = folder / f"{stem}.py"
    n = 2
    while target.exists():
        target = folder / f"{stem}_{n}.py"
        n += 1
    target.write_text(module.source, encoding="utf-8")
    return target, module


@contextmanager
def submission_file(path: Path) -> Iterator[tuple[Path, NotebookModule | None]]:
    if not is_notebook(path):
        yield path, None
        return
    with tempfile.TemporaryDirectory(prefix="normkatas-notebook-") as folder:
        yield write_module(path, Path(folder))
