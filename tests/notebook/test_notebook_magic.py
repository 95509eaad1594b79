"""Inside IPython: ``%load_ext normkatas``, ``%%grade KATA`` and ``normkatas.grade(func)``.

An in-process InteractiveShell plays the kernel; grading itself runs in the
`grade` subprocess, as in Jupyter or Colab.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.notebook.notebooks import CORRECT, WRONG, WRONG_LINE

IPython = pytest.importorskip("IPython")


@pytest.fixture
def shell() -> Iterator[Any]:
    from IPython.core.interactiveshell import InteractiveShell

    sh = InteractiveShell.instance()
    sh.run_cell("%load_ext normkatas", store_history=True)
    yield sh
    InteractiveShell.clear_instance()


def run(shell: Any, source: str) -> list[dict[str, str]]:
    """Run a cell as a front end would; the rich outputs it displayed."""
    from IPython.utils.capture import capture_output

    with capture_output() as captured:
        shell.run_cell(source, store_history=True)
    return [dict(o.data) for o in captured.outputs]


def student_session(shell: Any) -> None:
    run(shell, "%time x = 1\n!echo installing\nimport numpy as np")
    run(shell, "try:\n    import matplotlib.pyplot as plt\nexcept ImportError:\n    plt = None")
    run(shell, "X = np.random.randn(4, 3, 2, 2)\nif plt is not None:\n    plt.hist(X.ravel())")


@pytest.mark.slow
def test_the_cell_magic_grades_the_cell_and_points_at_its_line(shell: Any) -> None:
    student_session(shell)
    number = len(shell.history_manager.input_hist_raw)  # the next input's index: In[number]
    outputs = run(shell, f"%%grade batchnorm-bchw\n{WRONG}")
    assert outputs, "no report was shown"
    report = outputs[-1]
    assert set(report) == {"text/plain", "text/html"}
    where = f"notebook, cell {number}, line 4"  # line 1 of the cell is %%grade
    assert where in report["text/plain"], report["text/plain"]
    assert f"4 | {WRONG_LINE}" in report["text/plain"]
    assert "error[layer-norm]" in report["text/plain"]
    assert report["text/html"].startswith("<iframe")
    assert "cell " + str(number) + ", line 4" in report["text/html"]
    # The cell also ran in the kernel: the function is defined there now.
    assert "batch_normalization" in shell.user_ns


@pytest.mark.slow
def test_grade_of_a_function_defined_in_the_session(shell: Any) -> None:
    student_session(shell)
    run(shell, CORRECT)
    outputs = run(shell, "import normkatas\nnormkatas.grade(batch_normalization)")
    assert outputs and "passed: all" in outputs[-1]["text/plain"]


def test_usage_errors_are_reported_not_raised(shell: Any) -> None:
    outputs = run(shell, "%%grade batchnorm-bchw --frobnicate\nx = 1")
    assert "usage: %%grade" in outputs[-1]["text/plain"]


def test_a_function_without_source_gets_a_clear_message(shell: Any) -> None:
    outputs = run(shell, "import normkatas\nnormkatas.grade(len)")
    text = outputs[-1]["text/plain"]
    assert text.startswith("normkatas: cannot read the source of len")
    assert "%%grade" in text


def test_grading_that_does_not_finish_is_stopped() -> None:
    from normkatas.app.jupyter import grade_module
    from normkatas.notebook import Cell, to_module

    module = to_module([Cell(1, "def batch_normalization(X, gamma, beta, epsilon=1e-5):\n"
                                "    return X\n")])
    never = [sys.executable, "-c", "import time\nwhile True: time.sleep(0.05)"]
    report = grade_module(module, kata=None, display="nb", timeout=0.5, command=never)
    assert report.text.startswith("normkatas: grading was stopped after 0.5 s")


def test_ipython_is_not_imported_by_the_grader() -> None:
    code = (
        "import sys, pathlib, normkatas, normkatas.app.cli, normkatas.notebook\n"
        "import normkatas.notebook.files, normkatas.render.sarif, normkatas.app.watch\n"
        "assert callable(normkatas.load_ipython_extension)\n"
        "assert 'IPython' not in sys.modules, 'IPython was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


class _History:
    def __init__(self, cells: list[str]) -> None:
        self.input_hist_raw = ["", *cells]


class _OldShell:
    """What the extension reads of an IPython 7 shell: history, no map of cell file names."""

    def __init__(self, cells: list[str]) -> None:
        self.history_manager = _History(cells)
        self.compile = object()
        self.user_ns: dict[str, object] = {}


def test_the_cell_of_a_function_is_found_on_older_ipython_too() -> None:
    from normkatas.app.jupyter import _cell_of

    source = "def f(x):\n    return x\n"
    shell = _OldShell(["import numpy as np", source + "f(1)", "print(2)"])
    namespace: dict[str, Any] = {}
    exec(compile(source, "<ipython-input-7-abcdef>", "exec"), namespace)
    assert _cell_of(shell, namespace["f"], source) == 7
    exec(compile(source, "<unknown>", "exec"), namespace)
    assert _cell_of(shell, namespace["f"], source) == 2
