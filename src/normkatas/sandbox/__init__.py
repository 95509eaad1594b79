"""Running untrusted student code in another process, with limits.

Public API::

    from normkatas.sandbox import prepare_environment
    prepare_environment()                      # before numpy is imported (BLAS threads = 1)

    from normkatas.sandbox import Sandbox
    with Sandbox(jobs=1, mode="auto") as sb:   # before loading any kata/reference/expected
        outcome = sb.run(job)                  # -> RunOutcome
        for index, outcome in sb.run_many(jobs):   # as they finish, `jobs` at a time
            ...

``prepare_environment()`` only touches ``os.environ`` and this package
imports nothing heavy until ``Sandbox`` is first used, so a front end can
call it before numpy is imported.  The types are in
:mod:`normkatas.sandbox.types`.

Design (one module, one job)::

    grader ── client.Sandbox ──socket──▶ zygote (fork server, single-threaded,
       (codec: job out,                   child subreaper) ── supervisor.JobRun
        outcome back, validated)            │ forks one worker per job, owns the clock,
                                            │ drains stdout/stderr, kills and reaps all
                                            ▼
                                          worker (own session, rlimits, fd 3 = results)
                                            imports the file as ``submission``,
                                            capture: results → JSON + raw bytes

- ``mode="fork"``: each fork server is forked from the grader when the
  Sandbox is created (numpy already loaded: a job costs a fork, not an
  interpreter).  ``"spawn"``: the server is a fresh ``python`` running
  :mod:`normkatas.sandbox.zygote`.  ``"auto"``: fork on Linux while the grader
  has a single Python thread, spawn otherwise (macOS, or threads running).
  A server that dies is replaced by a spawned one (forking later could copy
  what the grader loaded since).
- Wire format (:mod:`.protocol`): prefix + JSON header + raw bytes; no
  pickle.  Only numeric/bool arrays travel as bytes; the grader checks every
  dtype, shape, byte count and offset, and a message that lies makes the run
  "crashed".
- Clock: ``timeout`` covers the import and the ``case`` calls, then the
  ``probe`` calls get ``probe_timeout`` more; a probe that times out or
  crashes leaves the run "ok".  RLIMIT_CPU is a backstop at
  ``ceil(timeout + probe_timeout) + 1`` s.

Platform caveats: the sweep of leftover processes uses Linux's child
subreaper and ``/proc``; on macOS only the worker's process group is killed
(a double-forked ``setsid`` daemon escapes), and RLIMIT_AS is not enforced
(reported in ``RunOutcome.warnings``).  RLIMIT_NPROC does not bind root.
RLIMIT_AS counts the fork server's own address space (the grader's, in fork
mode).  The sandbox isolates processes, not files: a submission can read
whatever the grading user can read; run the grader as an unprivileged user or
in a container when that matters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from normkatas.sandbox.env import prepare_environment

if TYPE_CHECKING:
    from normkatas.sandbox.client import Sandbox, SandboxError

__all__ = ["Sandbox", "SandboxError", "prepare_environment"]


def __getattr__(name: str) -> Any:
    if name in ("Sandbox", "SandboxError"):
        from normkatas.sandbox import client

        return getattr(client, name)
    raise AttributeError(f"module 'normkatas.sandbox' has no attribute {name!r}")
