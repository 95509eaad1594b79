"""Process environment the sandbox wants, importable before numpy.

The BLAS thread pools read their size when numpy is first imported, so the
front ends (the CLI, the pytest plugin) call :func:`prepare_environment`
before anything imports numpy.  The fork server inherits the grader's numpy,
hence its thread pool size; the workers get the variables set again anyway,
for anything the student starts.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def prepare_environment(environ: MutableMapping[str, str] | None = None) -> None:
    """Set the BLAS thread variables to 1 where they are unset.

    Call it before numpy is imported (it has no effect on a numpy already
    loaded).  ``environ`` defaults to ``os.environ``.
    """
    env = os.environ if environ is None else environ
    for name in BLAS_THREAD_VARS:
        env.setdefault(name, "1")


def force_single_thread_blas(environ: MutableMapping[str, str] | None = None) -> None:
    """Set the BLAS thread variables to 1, whatever they were (workers)."""
    env = os.environ if environ is None else environ
    for name in BLAS_THREAD_VARS:
        env[name] = "1"
