"""The one way to start grading: the sandbox first, then katas, references and expected values.

Every front end (``grade FILE``, class grading, the pytest plugin) opens a
session::

    with open_session(SessionOptions(), load=lambda: KataLibrary.from_dirs(dirs)) as s:
        s.sandbox.run_many(...)        # the fork servers started before `load` ran
        s.library                       # what `load` returned
        s.protections                   # what isolates the student's code here

Order matters: the fork servers are copies of this process at the moment the
sandbox starts, so nothing loaded afterwards (a hidden case, a reference
solution, an expected value) can be in a student process.  This module
imports nothing heavy at import time: the BLAS thread variables are set before
numpy is first imported.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from normkatas.sandbox.client import Sandbox
    from normkatas.sandbox.isolation import Protections


@dataclass(frozen=True)
class SessionOptions:
    jobs: int = 1
    """Student processes at once (one submission is one job: its visible cases, then its
    hidden ones in the same process)."""
    mode: Literal["auto", "fork", "spawn", "process"] = "auto"
    """How the fork servers start (see `normkatas.sandbox.Sandbox`)."""
    isolation: bool = True
    """Separate identity, namespaces and a filesystem view wherever the platform allows."""


@dataclass
class Session:
    """A started sandbox and what was loaded after it."""

    sandbox: Sandbox
    library: Any = None

    @property
    def protections(self) -> Protections:
        return self.sandbox.protections

    def job_can_read(self, path: str | os.PathLike[str]) -> bool:
        """Could a student process read ``path``?  (True when unsure.)  Hidden cases must
        not be graded from a folder for which this is True."""
        return self.protections.job_can_read(path)


@contextmanager
def open_session(
    options: SessionOptions | None = None, load: Callable[[], Any] | None = None
) -> Iterator[Session]:
    """Start the sandbox, then call ``load`` (katas, references); close both at the end."""
    options = options or SessionOptions()
    from normkatas.sandbox import prepare_environment

    prepare_environment()  # before numpy is imported: one BLAS thread per process
    from normkatas.sandbox import Sandbox

    with Sandbox(jobs=options.jobs, mode=options.mode, isolation=options.isolation) as sandbox:
        session = Session(sandbox)
        if load is not None:
            session.library = load()
        yield session
