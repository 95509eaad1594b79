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

Threat model: the submission is an adversary that has read this source.  It must
not change a score beyond what its values earn, read kata/reference/hidden/other
students' data or the grader's memory, environment and fds, write anywhere but its
scratch folder, outlive its job, signal or trace the grader, exhaust the grader's
memory, or reach the network.  ``docs/security.md`` has the full account.

Design (one module, one job)::

    grader ── client.Sandbox ──socket──▶ zygote (fork server, one per job slot)
      │ (watch.JobWatch: writes the       │ isolation.setup_slot, once: identity,
      │  job, reads results and output,   │ mount/net/ipc namespaces, the view;
      │  owns the clock; codec: outcome   │ reaper: the slot's pid namespace + init
      │  validated, hidden jobs redacted) │ never reads a job: a "run" brings only
      │                                   │ the worker's pipe ends; it forks, waits,
      │                                   │ kills on "kill", clears the namespace
      │                                   ▼
      └──── job pipe, result pipe, ────▶ worker (isolation.enter_job: own mount ns,
            stdout, stderr                /proc, tmpfs scratch, uid or no
                                          capabilities, no_new_privs; rlimits;
                                          fd 3 = results) reads the job, imports
                                          the submission (source sent by the
                                          grader) as ``submission``; a job's
                                          ``then`` (the hidden cases) follows in the
                                          same process once the grader has every
                                          result of the job

- Identity (:mod:`.isolation`): as root, slot ``i`` runs as uid/gid
  ``IsolationOptions.base_uid + i`` with no groups; not root, a user namespace
  and no capabilities.  Always ``no_new_privs``.
- Kill everything: each slot has its own pid namespace whose init the job
  cannot signal; after each job it kills every process there (:mod:`.reaper`).
  Without namespaces: the fork server is a child subreaper and kills every
  descendant, and a root grader kills every process of the slot's uid.
- Filesystem view: ``pivot_root`` into a read-only tmpfs with read-only binds
  of the Python install, numpy and system libraries, a few devices, the job's
  own ``/proc`` and a size-limited tmpfs scratch (cwd, TMPDIR, HOME).  Folders of
  installed packages and the grader's package are covered (numpy is bound back);
  kata folders, references, outputs and other submissions are not in the view.
- Clean workers: the zygote is forked before any kata is loaded, drops the
  environment and zeroes its inherited argv/environ blocks, and never holds a
  job's data (each worker reads its own job after the fork; the grader reads
  the results).
- Hostile channel (:mod:`.protocol`, :mod:`.codec`): one ``hello`` first,
  strict framing, sizes checked before allocation, per-call byte budgets
  (``Call.max_result_bytes``, from the reference's outputs), and a memory
  budget across concurrent jobs (``Sandbox(memory_budget=...)``).  No pickle.
- Hidden jobs (``Job.hidden``): only arrays and statuses come back.  A job's
  ``then`` (the hidden job after the visible one) runs in the same process,
  its data written only once every result of the first job is in; a process
  that does not finish the first job never gets it (``then`` runs afresh).
- ``Sandbox.protections``: which of these are in place here (data:
  :class:`.isolation.Protections`), so the grader can refuse hidden cases a
  job could read and tell the operator what is missing.
- ``mode="fork"``: each fork server is forked from the grader when the
  Sandbox is created.  ``"spawn"``: a fresh ``python`` running
  :mod:`normkatas.sandbox.zygote`.  ``"process"`` (Windows, or asked for): no
  fork server, a fresh ``python`` per job (:mod:`.process`, :mod:`.spawned`;
  on Windows a Job Object per job, :mod:`.winjob`), with the same channel and
  limits but none of the isolation.  ``"auto"``: fork on Linux while the grader
  has a single Python thread, process where there is no ``fork``, spawn
  otherwise; ``NORMKATAS_SANDBOX_MODE`` overrides it.  A server that dies is
  replaced by a spawned one.
- Clock: ``timeout`` covers the import and the ``case`` calls, then the
  ``probe`` calls get ``probe_timeout`` more; a probe that times out or
  crashes leaves the run "ok".  RLIMIT_CPU is a backstop at
  ``ceil(timeout + probe_timeout) + 1`` s.

Platform caveats: namespaces are Linux only (the process mode has none);
where the kernel or a container refuses them, ``Sandbox.protections.missing``
names what is missing (macOS: everything but the process limits; RLIMIT_AS is
not enforced there).
RLIMIT_AS counts the fork server's own address space (the grader's, in fork
mode).  ``isolation=False`` keeps only the process sandbox (a student grading
their own code may prefer their folder as the working folder).
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
