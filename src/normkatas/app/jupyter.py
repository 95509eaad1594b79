"""Grading inside Jupyter, Colab or IPython: ``%load_ext normkatas``, ``%%grade KATA``,
``normkatas.grade(func)``.

The kernel never grades in-process: the code is converted to a module (the
same rule as ``grade solution.ipynb``, see `normkatas.notebook.convert`),
written to a temporary file and graded by the ``grade`` command in a
subprocess, in its sandbox, with a time limit (`DEFAULT_TIMEOUT`; the whole
process group is killed when it is exceeded).  The report comes back as
JSON and is shown as HTML rich output (in an isolated ``<iframe>``, with
plain text for front ends without HTML).

What is graded:

- ``%%grade KATA`` (KATA may be left out when the function's name tells the
  kata): the cell's definitions, plus what they need from the cells run
  before (imports, constants, helpers), read from the kernel's input
  history.  Cells are numbered by their execution count (``In [7]`` is
  ``cell 7``), and lines within a cell count the ``%%grade`` line.  The cell
  then runs in the kernel as usual, so that what it defines can be used.
- ``normkatas.grade(func)``: the cell that defined ``func`` when it is in the
  history (else the source of ``func`` itself), plus what it needs.

IPython is imported here only, and only when this is used.
"""

from __future__ import annotations

import html
import inspect
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from normkatas.notebook.convert import Cell, NotebookModule, to_module

DEFAULT_TIMEOUT = 120.0
"""Seconds the ``grade`` subprocess may take (start-up and every case)."""
MAGIC_USAGE = "usage: %%grade [KATA] [--timeout SECONDS]"


class Report:
    """What is shown: HTML and text of one grading (or a message when there is no report)."""

    def __init__(self, text: str, page: str | None = None, result: Any = None) -> None:
        self.text = text
        self.page = page
        self.result = result

    def bundle(self) -> dict[str, str]:
        data = {"text/plain": self.text}
        if self.page is not None:
            data["text/html"] = _iframe(self.page, self.text)
        return data


def _iframe(page: str, text: str) -> str:
    """The report page in an iframe: its CSS cannot restyle the notebook, and no script runs
    in it (``sandbox``; ``allow-same-origin`` lets browsers draw it in the notebook's process)."""
    height = min(900, 160 + 21 * text.count("\n"))
    return (
        '<iframe class="normkatas-report" sandbox="allow-same-origin"'
        f' srcdoc="{html.escape(page, quote=True)}"'
        f' style="width: 100%; height: {height}px; border: 1px solid #ddd;"></iframe>'
    )


# ---------------------------------------------------------------- grading in a subprocess


def grade_module(
    module: NotebookModule,
    *,
    kata: str | None,
    display: str,
    timeout: float = DEFAULT_TIMEOUT,
    command: list[str] | None = None,
) -> Report:
    """Grade `module` with the ``grade`` command in a subprocess and remap the result."""
    if not module.source.strip():
        return Report("normkatas: nothing to grade: the code defines no function")
    with tempfile.TemporaryDirectory(prefix="normkatas-cell-") as folder:
        path = Path(folder) / "submission.py"
        path.write_text(module.source, encoding="utf-8")
        return grade_file(path, kata=kata, display=display, timeout=timeout, module=module,
                          command=command)


def grade_file(
    path: Path,
    *,
    kata: str | None,
    display: str,
    timeout: float = DEFAULT_TIMEOUT,
    module: NotebookModule | None = None,
    command: list[str] | None = None,
) -> Report:
    """Grade the file `path` in a subprocess; `module` maps its lines back to cells."""
    from normkatas.notebook.remap import remap_result
    from normkatas.render import render
    from normkatas.report.result import result_from_json

    base = command if command is not None else [sys.executable, "-m", "normkatas"]
    args = [*base, str(path), "--format", "json", *(["--kata", kata] if kata else [])]
    try:
        code, out, err = _run(args, timeout)
    except subprocess.TimeoutExpired:
        return Report(
            f"normkatas: grading was stopped after {timeout:g} s without a report;"
            " a loop that never ends is the usual cause"
        )
    if code not in (0, 1):
        message = err.strip().replace(str(path), display) or f"grade exited with status {code}"
        return Report(f"normkatas: {message}")
    result = result_from_json(out)
    if module is not None:
        result = remap_result(result, module, display=display, file=str(path))
    return Report(render(result, "text"), render(result, "html"), result)


def _run(args: list[str], timeout: float) -> tuple[int, str, str]:
    """Run `args` in a new session; on timeout the whole group is killed (no orphans)."""
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GITHUB_STEP_SUMMARY", None)
    proc = subprocess.Popen(
        args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=env, start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except BaseException:  # the time limit, or Ctrl-C (interrupt) in the kernel
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the sandbox's processes too
        except (OSError, AttributeError):  # gone already; or no process groups (Windows)
            proc.kill()
        proc.communicate()
        raise
    return proc.returncode, out, err


# ---------------------------------------------------------------- the kernel's side


def _shell() -> Any:
    """The running IPython shell, or None (IPython is not imported when it is not loaded)."""
    if "IPython" not in sys.modules:
        return None
    from IPython import get_ipython

    return get_ipython()


def history_cells(shell: Any, *, skip: int | None = None) -> list[Cell]:
    """The cells run so far in the kernel, numbered by execution count."""
    if shell is None:
        return []
    raw = list(getattr(shell.history_manager, "input_hist_raw", []))
    return [
        Cell(number=n, source=source)
        for n, source in enumerate(raw)
        if n > 0 and n != skip and isinstance(source, str) and source.strip()
    ]


def _notebook_name(shell: Any) -> str:
    names = getattr(shell, "user_ns", {}) if shell is not None else {}
    for key in ("__vsc_ipynb_file__", "__session__"):
        value = names.get(key)
        if isinstance(value, str) and value:
            return Path(value).name
    return "notebook"


def show(report: Report) -> None:
    """Rich output in a notebook; plain text anywhere else."""
    if _shell() is not None:
        from IPython.display import display

        display(report.bundle(), raw=True)  # type: ignore[no-untyped-call,unused-ignore]
    else:
        print(report.text)


def _parse_magic_line(line: str) -> tuple[str | None, float]:
    words = shlex.split(line)
    kata: str | None = None
    timeout = DEFAULT_TIMEOUT
    while words:
        word = words.pop(0)
        if word == "--timeout" and words:
            try:
                timeout = float(words.pop(0))
            except ValueError:
                raise ValueError(MAGIC_USAGE) from None
            if not 0 < timeout < float("inf"):
                raise ValueError(MAGIC_USAGE)
        elif not word.startswith("-") and kata is None:
            kata = word
        else:
            raise ValueError(MAGIC_USAGE)
    return kata, timeout


def grade_cell(shell: Any, line: str, cell: str) -> Report:
    """What ``%%grade`` shows for `cell` (its text without the magic line)."""
    try:
        kata, timeout = _parse_magic_line(line)
    except ValueError as exc:
        return Report(f"normkatas: {exc}")
    # The running cell is the last input of the history (stored before it runs).
    raw = getattr(getattr(shell, "history_manager", None), "input_hist_raw", [])
    number = max(len(raw) - 1, 1)
    context = history_cells(shell, skip=number)
    current = Cell(number=number, source=f"%%grade {line}\n{cell}")
    module = to_module([*context, current], root_cells={number})
    return grade_module(module, kata=kata, display=_notebook_name(shell), timeout=timeout)


def grade_cell_magic(line: str, cell: str) -> None:
    shell = _shell()
    show(grade_cell(shell, line, cell))
    if shell is not None:  # the cell runs as usual: what it defines is there afterwards
        shell.run_cell(cell, store_history=False)


def grade_function(
    func: Callable[..., Any], kata: str | None = None, *, timeout: float = DEFAULT_TIMEOUT
) -> None:
    """``normkatas.grade(func)``: grade the source of a function defined in the session."""
    show(function_report(func, kata, timeout=timeout))


def function_report(
    func: Callable[..., Any], kata: str | None = None, *, timeout: float = DEFAULT_TIMEOUT
) -> Report:
    shell = _shell()
    name = getattr(func, "__name__", repr(func))
    try:
        source = inspect.getsource(func)
        first = func.__code__.co_firstlineno
    except (OSError, TypeError, AttributeError) as exc:
        return Report(
            f"normkatas: cannot read the source of {name} ({exc}); write it in a cell that"
            " starts with `%%grade KATA` (after `%load_ext normkatas`), or save it to a file"
            " and run `grade FILE`"
        )
    number = _cell_of(shell, func, source)
    if number is not None:  # defined in a cell: that cell, and what it needs from the others
        cells = history_cells(shell)
        module = to_module(cells, root_cells={number})
        return grade_module(module, kata=kata, display=_notebook_name(shell), timeout=timeout)
    file = inspect.getsourcefile(func)
    if file and file.endswith(".py") and Path(file).is_file():  # defined in a file: grade it
        return grade_file(Path(file), kata=kata, display=file, timeout=timeout)
    # Elsewhere (exec, an unknown front end): the function's source alone, lines as in it.
    cell = Cell(number=1, source="\n" * (first - 1) + textwrap.dedent(source))
    module = to_module([cell])
    return grade_module(module, kata=kata, display=name, timeout=timeout)


_INPUT_NAME = re.compile(r"<ipython-input-(\d+)-")


def _cell_of(shell: Any, func: Callable[..., Any], source: str) -> int | None:
    """The execution count of the cell that defined `func`: from IPython's map of cell file
    names, from the ``<ipython-input-N-...>`` name of older versions, or else the last cell
    of the history whose text holds the function's source."""
    if shell is None:
        return None
    filename = getattr(getattr(func, "__code__", None), "co_filename", "")
    known = getattr(getattr(shell, "compile", None), "_filename_map", {})
    number = known.get(filename) if isinstance(known, dict) else None
    if isinstance(number, int):
        return number
    match = _INPUT_NAME.match(filename)
    if match:
        return int(match.group(1))
    holding = [c.number for c in history_cells(shell) if source.strip() in c.source]
    return holding[-1] if holding else None


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext normkatas``: registers the ``%%grade`` cell magic."""
    ipython.register_magic_function(grade_cell_magic, magic_kind="cell", magic_name="grade")
