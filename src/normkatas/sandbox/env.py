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
CI_FILE_VARS = (
    "GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STATE", "GITHUB_STEP_SUMMARY",
)
"""Files through which a CI step sets its outputs, environment and summary."""


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


def hide_ci_files(environ: MutableMapping[str, str] | None = None) -> None:
    """Drop the variables naming the CI's command files (workers): a submission
    must not set the step's outputs (a GitHub Classroom ``result``) or summary."""
    env = os.environ if environ is None else environ
    for name in CI_FILE_VARS:
        env.pop(name, None)
