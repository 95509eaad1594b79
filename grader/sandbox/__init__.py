"""Running untrusted student code in another process, with limits.

Public API::

    from grader.sandbox import Sandbox, prepare_environment

    with Sandbox(jobs=1, mode="auto") as sb:   # start it before loading any kata
        outcome = sb.run(job)                  # -> RunOutcome
        for index, outcome in sb.run_many(jobs):
            ...

``prepare_environment()`` only touches ``os.environ`` and imports nothing
heavy, so a front end can call it before numpy is imported; ``Sandbox`` is
loaded on first use.  The types live in :mod:`grader.sandbox.types`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from grader.sandbox.env import prepare_environment

if TYPE_CHECKING:
    from grader.sandbox.client import Sandbox, SandboxError

__all__ = ["Sandbox", "SandboxError", "prepare_environment"]


def __getattr__(name: str) -> Any:
    if name in ("Sandbox", "SandboxError"):
        from grader.sandbox import client

        return getattr(client, name)
    raise AttributeError(f"module 'grader.sandbox' has no attribute {name!r}")
