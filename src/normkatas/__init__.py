"""normkatas: auto-graded katas for normalization layers, with a grader that explains mistakes."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


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
