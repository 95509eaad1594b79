"""Hostile submissions through the real sandbox: outcomes, not mechanisms.

Each test writes a student file that attacks, runs it through `Sandbox`, and
checks what the attack achieved: the value it returned says what it could do
(1 = it could, 0 = it could not).  Where a protection is missing on this
platform the test is skipped with the reason, never passed.  The whole module
runs a second time as an unprivileged user (``setpriv``) when the tests run as
root: the same outcomes must hold with a user namespace instead of a uid.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from normkatas.sandbox import Sandbox
from normkatas.sandbox.isolation import PROTECTION_NAMES, IsolationOptions, Protections
from normkatas.sandbox.types import ArrayValue, Call, Job, Limits, RunOutcome
from tests.support import REPO

RERUN_VAR = "NORMKATAS_TEST_UNPRIVILEGED_RERUN"
NOBODY = 65534
LIMITS = Limits(timeout=20.0, probe_timeout=1.0)


# Job uids of this test run only (other graders on the machine use the default base).
OPTIONS = IsolationOptions(base_uid=1_500_000_000 + (os.getpid() % 100_000) * 4)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(jobs=2, mode="fork", isolation=OPTIONS) as sb:
        yield sb


@pytest.fixture
def write(tmp_path: Path) -> Any:
    folder = tmp_path / "submissions"
    folder.mkdir()
    folder.chmod(0o755)

    def write(source: str, name: str = "attack.py") -> Path:
        path = folder / name
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        path.chmod(0o644)
        return path

    return write


def need(sb: Sandbox, *names: str) -> None:
    missing = [n for n in names if n in sb.protections.missing]
    if missing:
        pytest.skip(f"not on this platform: {', '.join(missing)} ({sb.protections.notes})")


def flag(outcome: RunOutcome, index: int = 0) -> list[int]:
    value = outcome.calls[index].value
    assert isinstance(value, ArrayValue) and value.array is not None, outcome
    return [int(x) for x in value.array.reshape(-1)]


def run(sb: Sandbox, path: Path, **kwargs: Any) -> RunOutcome:
    return sb.run(Job(path, "attack", (Call("c", kwargs),), LIMITS))


def no_survivors(sb: Sandbox) -> None:
    assert sb.job_processes() == set()
    uid = sb.protections.uid
    if os.geteuid() == 0:
        base = sb.isolation.base_uid
        owners = {_uid_of(p) for p in os.listdir("/proc") if p.isdigit()}
        assert not {u for u in owners if u is not None and base <= u < base + sb.jobs}, uid


def _uid_of(pid: str) -> int | None:
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None


def test_every_protection_is_in_place_on_linux(sandbox: Sandbox) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("namespaces are Linux only")
    prot = sandbox.protections
    assert set(prot.in_place) | set(prot.missing) == set(PROTECTION_NAMES)
    need(sandbox, *PROTECTION_NAMES)
    assert prot.identity == ("separate-uid" if os.geteuid() == 0 else "user-namespace")
    assert prot.complete


def test_without_isolation_the_missing_protections_are_named(write: Any) -> None:
    with Sandbox(jobs=1, mode="fork", isolation=False) as sb:
        prot = sb.protections
        assert prot.missing == tuple(PROTECTION_NAMES) and not prot.complete
        assert prot.job_can_read(write("x = 1\n"))  # the grading user's own files
        assert Protections.from_dict(json.loads(json.dumps(prot.to_dict()))) == prot


DAEMON = """
    import os, time
    import numpy as np
    def _spawn():
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                for _ in range(100000):
                    try:
                        os.kill(os.getppid(), 9)   # the fork server, if it were the parent
                    except OSError:
                        pass
                    time.sleep(0.05)
            os._exit(0)
    _spawn()
    def attack():
        _spawn()
        if os.fork() == 0:
            time.sleep(3600)
        return np.array([1])
"""


def test_a_double_forked_daemon_does_not_survive(sandbox: Sandbox, write: Any) -> None:
    path = write(DAEMON)
    outcome = run(sandbox, path)
    assert outcome.status == "ok" and flag(outcome) == [1]
    no_survivors(sandbox)
    assert run(sandbox, path).status == "ok"  # the slots still work


SNOOP = """
    import os
    import numpy as np
    def _can(fn):
        try:
            fn()
            return 1
        except Exception:
            return 0
    def attack(marker, folder, katas, package, grader):
        return np.array([
            _can(lambda: open(marker).read()),
            _can(lambda: os.listdir(folder)),
            _can(lambda: os.listdir(katas)),
            _can(lambda: open(f"/proc/{grader}/environ", "rb").read()),
            _can(lambda: open(f"/proc/{grader}/cmdline", "rb").read()),
            _can(lambda: os.readlink(f"/proc/{grader}/fd/1")),
        ])
"""


def test_protected_folders_and_the_grader_are_out_of_sight(
    sandbox: Sandbox, write: Any, tmp_path: Path
) -> None:
    need(sandbox, "filesystem-view", "pid-namespace")
    private = tmp_path / "private"
    private.mkdir()
    private.chmod(0o755)
    marker = private / "hidden.yaml"
    marker.write_text("marker: 424242\n")
    marker.chmod(0o644)  # readable by anyone: only the view hides it
    path = write(SNOOP)
    write("x = 'a classmate'\n", "classmate.py")
    katas = REPO / "katas"
    outcome = run(
        sandbox, path, marker=str(marker), folder=str(path.parent), katas=str(katas),
        package=str(Path(np.__file__).parent), grader=os.getpid(),
    )
    assert flag(outcome) == [0, 0, 0, 0, 0, 0], outcome
    assert sandbox.protections.job_can_read(marker) is False
    assert b"424242" not in outcome.stdout + outcome.stderr


WRITER = """
    import os, sys
    import numpy as np
    def _can(fn):
        try:
            fn()
            return 1
        except Exception:
            return 0
    def _append(path):
        with open(path, "a") as f:
            f.write("# owned")
    def attack(package, numpy_dir):
        return np.array([
            _can(lambda: _append(package)),
            _can(lambda: _append(os.path.join(numpy_dir, "__init__.py"))),
            _can(lambda: _append(os.path.join(sys.prefix, "owned.pth"))),
            _can(lambda: _append(os.path.join(os.getcwd(), "scratch.txt"))),
        ])
"""


def test_the_package_and_the_python_install_cannot_be_written(
    sandbox: Sandbox, write: Any
) -> None:
    need(sandbox, "filesystem-view")
    import normkatas

    before = Path(normkatas.__file__).read_bytes()
    outcome = run(
        sandbox, write(WRITER), package=normkatas.__file__, numpy_dir=str(Path(np.__file__).parent)
    )
    assert flag(outcome) == [0, 0, 0, 1], outcome  # only the scratch folder is writable
    assert Path(normkatas.__file__).read_bytes() == before
    assert not (Path(sys.prefix) / "owned.pth").exists()


SIGNALS = """
    import os, signal
    import numpy as np
    def _can(fn):
        try:
            fn()
            return 1
        except Exception:
            return 0
    def attack(pids):
        return np.array([_can(lambda p=p: os.kill(p, 0)) for p in pids])
"""


def test_the_grader_and_the_fork_servers_cannot_be_signalled(
    sandbox: Sandbox, write: Any
) -> None:
    need(sandbox, "pid-namespace")
    pids = [os.getpid(), *sandbox.pids]
    outcome = run(sandbox, write(SIGNALS), pids=pids)
    assert flag(outcome) == [0] * len(pids), outcome


NETWORK = """
    import socket
    import numpy as np
    def attack(port):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            return np.array([1])
        except OSError:
            return np.array([0])
"""


def test_no_network(sandbox: Sandbox, write: Any) -> None:
    need(sandbox, "network")
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        outcome = run(sandbox, write(NETWORK), port=server.getsockname()[1])
    assert flag(outcome) == [0], outcome


SCRATCH = """
    import os, tempfile
    import numpy as np
    def attack(write):
        if write:
            with open("left-by-the-hidden-run.txt", "w") as f:
                f.write("secret")
            with open(os.path.join(tempfile.gettempdir(), "tmp-note.txt"), "w") as f:
                f.write("secret")
        seen = os.listdir(".") + os.listdir(tempfile.gettempdir())
        return np.array([len(seen)])
"""


@pytest.mark.parametrize("jobs", [1, 2])
def test_hidden_and_visible_runs_do_not_share_a_scratch_folder(write: Any, jobs: int) -> None:
    path = write(SCRATCH)
    with Sandbox(jobs=jobs, mode="fork", isolation=OPTIONS) as sb:
        need(sb, "private-scratch")
        hidden = Job(path, "attack", (Call("h", {"write": True}),), LIMITS, hidden=True)
        visible = Job(path, "attack", (Call("v", {"write": False}),), LIMITS)
        outcomes = dict(sb.run_many([hidden, visible, visible]))
    assert flag(outcomes[0])[0] >= 1
    assert flag(outcomes[1]) == [0] and flag(outcomes[2]) == [0]


HIDDEN = """
    import sys, warnings
    import numpy as np
    class Leak(Exception):
        pass
    def attack(x):
        print("MARKER-OUT", x.tolist())
        print("MARKER-ERR", file=sys.stderr)
        warnings.warn("MARKER-WARN", stacklevel=1) if False else None
        if x[0] > 0:
            raise Leak(f"MARKER {x.tolist()}")
        return x * 2
"""


def test_a_hidden_run_brings_back_only_arrays_and_statuses(sandbox: Sandbox, write: Any) -> None:
    path = write(HIDDEN)
    calls = (Call("a", {"x": np.array([1.5])}), Call("b", {"x": np.array([-1.0])}))
    outcome = sandbox.run(Job(path, "attack", calls, LIMITS, hidden=True))
    raised, returned = outcome.calls
    assert raised.status == "exception" and returned.status == "ok"
    assert raised.exception is not None and raised.exception.message == ""
    assert raised.exception.frames == () and raised.exception.type == "Exception"
    assert isinstance(returned.value, ArrayValue) and returned.value.array is not None
    assert returned.value.array.tolist() == [-2.0] and returned.duration == 0.0
    assert (outcome.stdout, outcome.stderr, outcome.warnings) == (b"", b"", ())
    assert "MARKER" not in repr(outcome)


FORGED_HELLO = """
    import json, os, struct
    import numpy as np
    def attack():
        head = json.dumps({"type": "hello", "warnings": ["MARKER forged"]}).encode()
        os.write(3, struct.pack("!4sIQ", b"NKSB", len(head), 0) + head)
        return np.array([1])
"""


def test_a_second_hello_is_refused(sandbox: Sandbox, write: Any) -> None:
    outcome = run(sandbox, write(FORGED_HELLO))
    assert outcome.status == "crashed"
    assert "MARKER" not in repr(outcome.warnings)


HEAP = """
    import ctypes
    import numpy as np
    def attack(a, b):
        first = np.full(4, a).tobytes()
        second = np.full(4, b).tobytes()
        found = 0
        with open("/proc/self/maps") as maps:
            regions = [line.split() for line in maps]
        for fields in regions:
            name = fields[5] if len(fields) > 5 else ""
            if not fields[1].startswith("rw") or name not in ("", "[heap]"):
                continue
            start, end = (int(x, 16) for x in fields[0].split("-"))
            if end - start > 1 << 28:
                continue
            chunk = ctypes.string_at(start, end - start)
            at = chunk.find(first)
            while at >= 0 and not found:
                found = int(chunk[at + 32 : at + 64] == second)
                at = chunk.find(first, at + 1)
        return np.array([found])
"""


def test_a_worker_never_inherits_an_earlier_job(write: Any) -> None:
    a, b = 7.0123456789e-77, 3.0987654321e-77
    path = write(HEAP)
    with Sandbox(jobs=1, mode="fork", isolation=OPTIONS) as sb:
        secret = np.array([a] * 4 + [b] * 4)
        hidden = Job(
            path, "attack", (Call("h", {"a": 1.0, "b": 2.0, "_": secret}),), LIMITS, hidden=True
        )
        # (an unknown argument: the call raises; the secret was in that worker all the same)
        assert sb.run(hidden).calls[0].status == "exception"
        outcome = sb.run(Job(path, "attack", (Call("next", {"a": a, "b": b}),), LIMITS))
    assert flag(outcome) == [0], outcome


BIG = """
    import numpy as np
    def attack():
        return np.ones(255 * 1024 * 1024 // 8)
"""

FORGED_FRAME = """
    import json, os, struct
    import numpy as np
    def attack():
        head = json.dumps({"type": "call", "index": 0, "status": "ok"}).encode()
        os.write(3, struct.pack("!4sIQ", b"NKSB", len(head), 255 * 1024 * 1024) + head)
        os.write(3, b"x" * (1 << 20))
        return np.array([1])
"""

MEMORY_SCRIPT = """
import resource, sys
from pathlib import Path
import numpy as np
from normkatas.sandbox import Sandbox
from normkatas.sandbox.types import Call, Job, Limits
paths = [Path(p) for p in sys.argv[1:]]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
limits = Limits(timeout=30.0, memory_mb=1500)
calls = (Call("c", {}, max_result_bytes=4096),)
jobs = [Job(p, "attack", calls, limits) for p in paths for _ in range(2)]
with Sandbox(jobs=2, mode="fork") as sb:
    outcomes = [o for _, o in sorted(sb.run_many(jobs), key=lambda item: item[0])]
statuses = [o.status for o in outcomes]
refused = [getattr(o.calls[0].value, "refused", "") for o in outcomes]
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(statuses, refused, (after - before) // 1024)
"""


@pytest.mark.slow
def test_huge_returns_do_not_reach_the_grader(write: Any, tmp_path: Path) -> None:
    if not os.access(os.path.realpath(sys.executable), os.X_OK):
        pytest.skip("this user cannot start the interpreter again")
    big, forged = write(BIG, "big.py"), write(FORGED_FRAME, "forged.py")
    script = tmp_path / "memory.py"
    script.write_text(MEMORY_SCRIPT)
    proc = subprocess.run(
        [sys.executable, str(script), str(big), str(forged)],
        capture_output=True, text=True, timeout=300, check=True,
    )
    grown = int(proc.stdout.split()[-1])
    assert proc.stdout.startswith("['ok', 'ok', 'crashed', 'crashed']"), proc.stdout
    assert "['too-large', 'too-large'," in proc.stdout, proc.stdout
    assert grown < 64, proc.stdout  # MB the grader grew by, for four 255 MB attempts


@pytest.mark.slow
def test_the_same_outcomes_as_an_unprivileged_user() -> None:
    if os.environ.get(RERUN_VAR):
        pytest.skip("this is the rerun")
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to become another user")
    root = REPO
    home = Path(tempfile.mkdtemp(prefix="normkatas-rerun-"))
    os.chown(home, NOBODY, NOBODY)
    env = {**os.environ, RERUN_VAR: "1", "HOME": str(home)}
    try:
        proc = subprocess.run(
            ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
             sys.executable, "-m", "pytest", str(Path(__file__)), "-q", "-p", "no:cacheprovider",
             "--basetemp", str(home / "base"), "-rs"],
            cwd=root, env=env, capture_output=True, text=True, timeout=600,
        )
    finally:
        shutil.rmtree(home, ignore_errors=True)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout, proc.stdout[-3000:]


def test_a_python_install_under_tmp_stays_visible_beside_the_scratch() -> None:
    """A venv made in /tmp is part of the view: the job's scratch goes elsewhere."""
    from normkatas.sandbox.isolation import scratch_point_for

    assert scratch_point_for(["/usr", "/work/.venv"]) == "/tmp"
    assert scratch_point_for(["/usr", "/tmp/venv"]) == "/scratch"
    assert scratch_point_for(["/tmpfoo"]) == "/tmp"


MUTATES = """
    import numpy as np
    def attack(x):
        x += 1.0
        return x
"""


def test_a_hidden_run_still_says_which_argument_changed_in_place(
    sandbox: Sandbox, write: Any
) -> None:
    """Changing an argument in place fails a case, hidden or not: the names come back
    (the grader's own argument names, never text the submission sent)."""
    outcome = sandbox.run(Job(write(MUTATES), "attack", (Call("h", {"x": np.zeros(2)}),),
                              LIMITS, hidden=True))
    assert outcome.calls[0].mutated == ("x",)


def test_installed_packages_but_numpy_are_out_of_sight(sandbox: Sandbox) -> None:
    """The record the grader reasons with says the same as the view: numpy readable,
    the grader's own dependencies (installed beside it) not."""
    import yaml

    prot = sandbox.protections
    assert prot.job_can_read(np.__file__)
    assert not prot.job_can_read(yaml.__file__)
    assert prot.masked, prot


def test_masked_folders_keep_what_is_bound_back() -> None:
    prot = Protections(
        filesystem_view=True, visible=("/py", "/py/site/numpy", "/usr"),
        masked=("/py/site",),
    )
    assert prot.job_can_read("/py/lib/os.py")
    assert prot.job_can_read("/py/site/numpy/__init__.py")
    assert not prot.job_can_read("/py/site/yaml/__init__.py")
    assert not prot.job_can_read("/home/instructor/katas")
    assert Protections.from_dict(prot.to_dict()) == prot
