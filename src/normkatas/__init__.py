"""normkatas: auto-graded katas for normalization layers, with a grader that explains mistakes.

The public API (everything else is internal and may change)::

    import normkatas

    kata = normkatas.load_kata("batchnorm-bchw")          # a bundled id, or a path to a YAML file
    result = normkatas.grade_file("my_solution.py")       # -> normkatas.Result
    result.status, result.score, result.diagnoses

    normkatas.grade(batch_normalization)                  # in a notebook: grade a function
    %load_ext normkatas                                   # then %%grade KATA grades a cell

Importing the package is cheap: the grader loads on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from normkatas._version import __version__

if TYPE_CHECKING:
    from normkatas.app.api import grade_file, load_kata
    from normkatas.report.result import Result

__all__ = ["Result", "__version__", "grade", "grade_file", "load_ipython_extension", "load_kata"]

_LAZY = {
    "grade_file": "normkatas.app.api",
    "load_kata": "normkatas.app.api",
    "Result": "normkatas.report.result",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'normkatas' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext normkatas`` in Jupyter, Colab or IPython: the ``%%grade KATA`` cell magic."""
    from normkatas.app.jupyter import load_ipython_extension as load

    load(ipython)


def grade(func: Any, kata: str | None = None, *, timeout: float | None = None) -> None:
    """Grade a function defined in a notebook (or any session) and show the report.

    The source of `func` (and what it needs from earlier cells) is graded by
    the ``grade`` command in a subprocess, in its sandbox; the kernel waits
    at most `timeout` seconds.
    """
    from normkatas.app.jupyter import DEFAULT_TIMEOUT, grade_function

    grade_function(func, kata, timeout=DEFAULT_TIMEOUT if timeout is None else timeout)
