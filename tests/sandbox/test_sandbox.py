"""What the sandbox reports for ordinary (not hostile) submissions.

Each test writes a small student file and runs it through a real Sandbox.
Hostile submissions are in test_hostile.py; process hygiene (fds, zombies,
parallel runs) in test_sandbox_process.py.
"""

from __future__ import annotations

import math
import resource
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from normkatas.sandbox import Sandbox
from normkatas.sandbox.limits import cpu_seconds
from normkatas.sandbox.types import (
    ArrayValue,
    Call,
    DictValue,
    Job,
    Limits,
    NoneValue,
    OtherValue,
    RunOutcome,
    SequenceValue,
)
from tests.support import REPO

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX only")

REFERENCE = """
import numpy as np

def batch_normalization(X, gamma, beta, epsilon=1e-5):
    m = X.mean(axis=(0, 2, 3), keepdims=True)
    v = X.var(axis=(0, 2, 3), keepdims=True)
    return gamma[None, :, None, None] * (X - m) / np.sqrt(v + epsilon) + beta[None, :, None, None]
"""
FAST = Limits(timeout=2.0, probe_timeout=1.0)


def reference(X: np.ndarray, gamma: np.ndarray, beta: np.ndarray, epsilon: float = 1e-5) -> Any:
    m = X.mean(axis=(0, 2, 3), keepdims=True)
    v = X.var(axis=(0, 2, 3), keepdims=True)
    return gamma[None, :, None, None] * (X - m) / np.sqrt(v + epsilon) + beta[None, :, None, None]


def args(seed: int = 0, **extra: Any) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    kwargs: dict[str, Any] = {
        "X": rng.normal(size=(2, 3, 4, 5)),
        "gamma": rng.uniform(0.5, 2.0, size=3),
        "beta": rng.normal(size=3),
    }
    kwargs.update(extra)
    return kwargs


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(mode="fork") as sb:
        yield sb


def run(
    sb: Sandbox,
    path: Path,
    calls: list[Call] | None = None,
    limits: Limits = FAST,
    entry: str = "batch_normalization",
) -> RunOutcome:
    calls = calls if calls is not None else [Call("case-1", args())]
    return sb.run(Job(path, entry, calls, limits))


def array(outcome: RunOutcome, key: str) -> np.ndarray:
    call = outcome.call(key)
    assert call is not None and isinstance(call.value, ArrayValue), call
    assert call.value.array is not None
    return call.value.array


# -- a correct submission, both modes ---------------------------------------------------


@pytest.mark.parametrize("mode", ["fork", "spawn"])
def test_correct_submission(mode: str, write: Any) -> None:
    path = write(REFERENCE + "\nprint('hi from the student')\n")
    calls = [Call(f"case-{i}", args(i)) for i in range(3)]
    with Sandbox(mode=mode) as sb:  # type: ignore[arg-type]
        assert sb.mode == mode
        outcome = run(sb, path, calls)
    assert outcome.status == "ok", outcome
    for i, call in enumerate(calls):
        np.testing.assert_allclose(array(outcome, call.key), reference(**args(i)))
    assert [c.status for c in outcome.calls] == ["ok"] * 3
    assert all(c.duration > 0 for c in outcome.calls)
    assert outcome.stdout == b"hi from the student\n" and outcome.stdout_total == 20
    assert outcome.exit_code == 0 and outcome.signal is None
    assert outcome.error is None and outcome.warnings == ()


def test_auto_mode_is_fork_on_linux_when_single_threaded() -> None:
    with Sandbox() as sb:
        assert sb.mode == ("fork" if sys.platform.startswith("linux") else "spawn")


# -- import-time failures ---------------------------------------------------------------


def test_syntax_error(sandbox: Sandbox, write: Any) -> None:
    path = write("import numpy as np\n\ndef batch_normalization(X, gamma, beta):\n    return (X\n")
    outcome = run(sandbox, path)
    assert outcome.status == "syntax-error"
    assert outcome.error is not None and outcome.error.type == "SyntaxError"
    assert outcome.error.line == 4 and outcome.error.column == 12
    assert outcome.error.source == "    return (X"
    assert [c.status for c in outcome.calls] == ["not-run"]


def test_indentation_error_is_a_syntax_error(sandbox: Sandbox, write: Any) -> None:
    outcome = run(sandbox, write("def batch_normalization(X, gamma, beta):\nreturn X\n"))
    assert outcome.status == "syntax-error"
    assert outcome.error is not None and outcome.error.type == "IndentationError"
    assert outcome.error.line == 2


def test_import_error_frames_are_the_students_only(sandbox: Sandbox, write: Any) -> None:
    path = write("import numpy as np\nimport no_such_module_xyz\n")
    outcome = run(sandbox, path)
    assert outcome.status == "import-error"
    assert outcome.error is not None and outcome.error.type == "ModuleNotFoundError"
    assert "no_such_module_xyz" in outcome.error.message
    assert [(f.file, f.line, f.function, f.source) for f in outcome.error.frames] == [
        (str(path), 2, "<module>", "import no_such_module_xyz")
    ]


def test_exception_at_import(sandbox: Sandbox, write: Any) -> None:
    outcome = run(sandbox, write("def helper():\n    return 1 / 0\n\nhelper()\n"))
    assert outcome.status == "import-error"
    assert outcome.error is not None and outcome.error.type == "ZeroDivisionError"
    assert [f.line for f in outcome.error.frames] == [4, 2]


def test_missing_function_lists_what_is_defined(sandbox: Sandbox, write: Any) -> None:
    source = """
        import numpy as np
        from math import sqrt
        class Helper: pass
        def batch_norm(X, gamma, beta): return X
        def _private(): pass
        batch_normalization = 3
        """
    outcome = run(sandbox, write(source))
    assert outcome.status == "missing-function"
    assert outcome.defined_functions == ("Helper", "batch_norm", "_private")
    assert outcome.error is None


def test_sys_exit_at_import_is_a_crash(sandbox: Sandbox, write: Any) -> None:
    outcome = run(sandbox, write("import sys\nsys.exit(0)\n"))
    assert outcome.status == "crashed" and outcome.exit_code == 0
    assert outcome.error is not None and outcome.error.type == "SystemExit"


def test_file_not_found_is_an_import_error(sandbox: Sandbox, tmp_path: Path) -> None:
    outcome = run(sandbox, tmp_path / "nope.py")
    assert outcome.status == "import-error"
    assert outcome.error is not None and outcome.error.type == "FileNotFoundError"


# -- calls ----------------------------------------------------------------------------


def test_exception_in_the_function(sandbox: Sandbox, write: Any) -> None:
    source = """
        def helper(X):
            raise NotImplementedError("todo: " + "<b>" * 3)

        def batch_normalization(X, gamma, beta, epsilon=1e-5):
            return helper(X)
        """
    path = write(source)
    outcome = run(sandbox, path, [Call("a", args()), Call("b", args())])
    assert outcome.status == "ok"
    assert [c.status for c in outcome.calls] == ["exception", "exception"]
    info = outcome.calls[0].exception
    assert info is not None and info.type == "NotImplementedError"
    assert info.message == "todo: <b><b><b>"
    assert [(f.function, f.line, f.source) for f in info.frames] == [
        ("batch_normalization", 6, "return helper(X)"),
        ("helper", 3, 'raise NotImplementedError("todo: " + "<b>" * 3)'),
    ]
    assert all(f.file == str(path) for f in info.frames)


def test_sys_exit_in_the_function_ends_the_run(sandbox: Sandbox, write: Any) -> None:
    path = write("import sys\ndef batch_normalization(X, gamma, beta):\n    sys.exit(3)\n")
    outcome = run(sandbox, path, [Call("a", args()), Call("b", args())])
    assert outcome.status == "crashed" and outcome.exit_code == 3
    assert [c.status for c in outcome.calls] == ["crashed", "not-run"]
    exc = outcome.calls[0].exception
    assert exc is not None and exc.type == "SystemExit" and exc.message == "3"


def test_results_of_every_kind(sandbox: Sandbox, write: Any) -> None:
    source = """
        import numpy as np
        class Weird:
            def __repr__(self): raise RuntimeError("no repr")
        def batch_normalization(X, gamma, beta, epsilon=1e-5, kind=""):
            return {
                "tuple": lambda: (X, X.mean(axis=0), 1.5),
                "list": lambda: [X[0, 0, 0, 0]],
                "none": lambda: None,
                "float": lambda: 2.5,
                "np32": lambda: np.float32(0.25),
                "int": lambda: 7,
                "bool": lambda: True,
                "dict": lambda: {"y": 1},
                "weird": lambda: Weird(),
                "str": lambda: "Y",
                "f16": lambda: X.astype(np.float16),
                "c64": lambda: X.astype(np.complex64),
                "big": lambda: X.astype(">f8"),
            }[kind]()
        """
    kinds = ["tuple", "list", "none", "float", "np32", "int", "bool", "dict", "weird", "str"]
    kinds += ["f16", "c64", "big"]
    calls = [Call(k, args(kind=k)) for k in kinds]
    outcome = run(sandbox, write(source), calls)
    assert outcome.status == "ok", outcome
    got = {c.key: c.value for c in outcome.calls}
    X = args()["X"]
    tup = got["tuple"]
    assert isinstance(tup, SequenceValue) and tup.kind == "tuple" and len(tup.items) == 3
    assert isinstance(tup.items[1], ArrayValue) and tup.items[1].shape == (3, 4, 5)
    assert got["list"] == SequenceValue("list", (ArrayValue(np.array(X[0, 0, 0, 0]), (), "<f8"),))
    assert got["none"] == NoneValue()
    scalars = {k: got[k] for k in ("float", "np32", "int", "bool")}
    assert {k: (v.dtype, v.shape) for k, v in scalars.items()} == {  # type: ignore[union-attr]
        "float": ("<f8", ()),
        "np32": ("<f4", ()),
        "int": ("<i8", ()),
        "bool": ("|b1", ()),
    }
    assert isinstance(got["dict"], DictValue) and [k for k, _ in got["dict"].items] == ["y"]
    assert got["weird"] == OtherValue("submission.Weird", "<repr failed>")
    assert got["str"] == OtherValue("str", "'Y'")
    assert array(outcome, "f16").dtype == np.float16
    np.testing.assert_array_equal(array(outcome, "c64"), X.astype(np.complex64))
    np.testing.assert_array_equal(array(outcome, "big"), X)


def test_scalar_arguments_keep_their_types(sandbox: Sandbox, write: Any) -> None:
    source = """
        import numpy as np
        def f(**kw):
            return tuple(type(v).__name__ for v in kw.values())
        """
    kwargs = {"a": 1, "b": 1.5, "c": True, "d": None, "e": "s", "g": np.float32(1), "h": (1, 2)}
    outcome = run(sandbox, write(source), [Call("k", kwargs)], entry="f")
    value = outcome.calls[0].value
    assert isinstance(value, SequenceValue)
    names = [v.text for v in value.items if isinstance(v, OtherValue)]
    assert names == ["'int'", "'float'", "'bool'", "'NoneType'", "'str'", "'float32'", "'tuple'"]


def test_in_place_mutation_is_reported(sandbox: Sandbox, write: Any) -> None:
    source = """
        def batch_normalization(X, gamma, beta, epsilon=1e-5):
            X -= X.mean(axis=(0, 2, 3), keepdims=True)
            X /= X.std(axis=(0, 2, 3), keepdims=True)
            return X
        """
    calls = [Call("a", args()), Call("b", args())]
    outcome = run(sandbox, write(source), calls)
    assert [c.mutated for c in outcome.calls] == [("X",), ("X",)]
    # each call gets its own fresh copy of the arguments
    np.testing.assert_allclose(array(outcome, "a"), array(outcome, "b"))
    clean = run(sandbox, write(REFERENCE), calls)
    assert [c.mutated for c in clean.calls] == [(), ()]


def test_stdin_is_empty_and_output_is_capped(sandbox: Sandbox, write: Any) -> None:
    source = """
        import sys
        def batch_normalization(X, gamma, beta, epsilon=1e-5):
            print("o" * 10000)
            print("e" * 5000, file=sys.stderr)
            return input()
        """
    limits = Limits(timeout=2.0, output_bytes=100)
    outcome = run(sandbox, write(source), limits=limits)
    assert outcome.stdout == b"o" * 100 and outcome.stdout_total == 10001
    assert outcome.stderr == b"e" * 100 and outcome.stderr_total == 5001
    exc = outcome.calls[0].exception
    assert exc is not None and exc.type == "EOFError"


def test_arrays_over_the_limits_are_refused(sandbox: Sandbox, write: Any) -> None:
    source = """
        import numpy as np
        def f(n):
            return np.zeros(n)
        """
    limits = Limits(timeout=2.0, result_bytes=800, total_result_bytes=1000)
    calls = [Call("big", {"n": 101}), Call("ok", {"n": 100}), Call("spent", {"n": 100})]
    outcome = run(sandbox, write(source), calls, limits, entry="f")
    values = [c.value for c in outcome.calls]
    assert values[0] == ArrayValue(None, (101,), "<f8", "too-large")
    assert isinstance(values[1], ArrayValue) and values[1].array is not None
    assert values[2] == ArrayValue(None, (100,), "<f8", "too-large")


# -- timeouts -------------------------------------------------------------------------


def test_timeout_covers_import_and_cases(sandbox: Sandbox, write: Any) -> None:
    source = """
        import time
        time.sleep(0.4)
        def f(t):
            time.sleep(t)
            return t
        """
    calls = [Call("a", {"t": 0.3}), Call("b", {"t": 0.6}), Call("c", {"t": 0.0})]
    limits = Limits(timeout=1.0, probe_timeout=1.0)
    outcome = run(sandbox, write(source), calls, limits, entry="f")
    assert outcome.status == "timeout" and outcome.signal == 9
    assert [c.status for c in outcome.calls] == ["ok", "timeout", "not-run"]
    assert 1.0 <= outcome.duration < 2.0


@pytest.mark.slow
def test_probe_timeout_keeps_the_cases(sandbox: Sandbox, write: Any) -> None:
    source = """
        import time
        def f(t):
            time.sleep(t)
            return t
        """
    calls = [
        Call("p1", {"t": 0.0}, group="probe"),
        Call("c1", {"t": 0.5}),
        Call("p2", {"t": 10.0}, group="probe"),
        Call("c2", {"t": 0.5}),
        Call("p3", {"t": 0.0}, group="probe"),
    ]
    limits = Limits(timeout=1.5, probe_timeout=0.5)  # the cases use 1.0 of the 1.5 s
    outcome = run(sandbox, write(source), calls, limits, entry="f")
    assert outcome.status == "ok"
    statuses = {c.key: c.status for c in outcome.calls}
    assert statuses == {"p1": "ok", "c1": "ok", "p2": "timeout", "c2": "ok", "p3": "not-run"}
    assert [c.key for c in outcome.calls] == ["p1", "c1", "p2", "c2", "p3"]  # the job's order
    assert outcome.duration < 2.5


def test_crash_in_a_probe_keeps_the_run_ok(sandbox: Sandbox, write: Any) -> None:
    source = """
        import os
        def f(crash):
            if crash:
                os._exit(1)
            return 1.0
        """
    calls = [Call("c", {"crash": False}), Call("p", {"crash": True}, group="probe")]
    outcome = run(sandbox, write(source), calls, entry="f")
    assert outcome.status == "ok" and outcome.exit_code == 1
    assert [c.status for c in outcome.calls] == ["ok", "crashed"]


# -- isolation --------------------------------------------------------------------------


def test_worker_isolation(sandbox: Sandbox, write: Any) -> None:
    source = """
        import os, resource, sys
        import numpy as np
        def f():
            lim = lambda r: resource.getrlimit(getattr(resource, r))[0]
            return (
                np.array([lim("RLIMIT_AS"), lim("RLIMIT_CPU"), lim("RLIMIT_FSIZE"),
                          lim("RLIMIT_CORE"), lim("RLIMIT_NPROC")]),
                os.getsid(0) == os.getpid(),
                repr(sorted(v for k, v in os.environ.items() if k.endswith("_NUM_THREADS"))),
                repr(sys.path[0] == os.path.dirname(__file__)),
                repr(os.getcwd() == os.path.dirname(__file__)),
                repr(__name__),
            )
        """
    limits = Limits(timeout=2.0, probe_timeout=1.0, memory_mb=1500, file_size_mb=3)
    path = write(source)
    outcome = run(sandbox, path, [Call("k", {})], limits, entry="f")
    value = outcome.calls[0].value
    assert isinstance(value, SequenceValue), outcome
    rlimits, own_session, *texts = value.items
    assert isinstance(rlimits, ArrayValue) and rlimits.array is not None
    nproc = limits.max_processes
    if resource.getrlimit(resource.RLIMIT_NPROC)[1] < nproc:
        nproc = resource.getrlimit(resource.RLIMIT_NPROC)[1]
    expected = [1500 * 2**20, cpu_seconds(limits), 3 * 2**20, 0, nproc]
    assert rlimits.array.tolist() == expected
    assert cpu_seconds(limits) == math.ceil(2.0 + 1.0) + 1
    assert isinstance(own_session, ArrayValue) and own_session.array is not None
    assert bool(own_session.array) is True
    # Isolated, the job's folder is its scratch and other files beside it are no path.
    own_folder = "'False'" if sandbox.isolation.enabled else "'True'"
    assert [getattr(t, "text", None) for t in texts] == [
        "\"['1', '1', '1']\"",
        own_folder,
        own_folder,
        "\"'submission'\"",
    ]


def test_reference_solutions_cannot_be_imported(sandbox: Sandbox, write: Any) -> None:
    source = """
        import sys
        def f(name):
            try:
                __import__(name)
            except ImportError as exc:
                return type(exc).__name__
            return "imported"
        def paths():
            return tuple(sys.path)
        """
    path = write(source)
    # (modules the grader imported before starting the sandbox are there, by design:
    # that is why the sandbox starts before any kata or reference is loaded)
    names = ("solutions", "katas", "solutions.batchnorm_bchw", "grader._data", "json")
    outcome = run(sandbox, path, [Call(n, {"name": n}) for n in names], entry="f")
    texts = [getattr(c.value, "text", None) for c in outcome.calls]
    assert all(t in ("'ImportError'", "'ModuleNotFoundError'") for t in texts[:4]), texts
    assert texts[4] == "'imported'"
    seen = run(sandbox, path, [Call("k", {})], entry="paths").calls[0].value
    assert isinstance(seen, SequenceValue)
    entries = [getattr(v, "text", "") for v in seen.items]
    assert (repr(str(path.parent)) in entries) is not sandbox.isolation.enabled
    root = REPO
    assert repr(str(root)) not in entries and "''" not in entries


SECRET_BEFORE = "visible"
SECRET_AFTER: str  # assigned by the test below, after its sandbox started


def test_fork_server_predates_what_the_grader_loads_later(write: Any) -> None:
    source = """
        import sys
        def f(name):
            for module in list(sys.modules.values()):
                names = getattr(module, "__dict__", None)
                if isinstance(names, dict) and "SECRET_BEFORE" in names and name in names:
                    return "found"
            return "absent"
        """
    global SECRET_AFTER
    with Sandbox(mode="fork") as sb:
        SECRET_AFTER = "expected values"  # loaded after the sandbox started
        calls = [Call("before", {"name": "SECRET_BEFORE"}), Call("after", {"name": "SECRET_AFTER"})]
        outcome = run(sb, write(source), calls, entry="f")
    assert [getattr(c.value, "text", None) for c in outcome.calls] == ["'found'", "'absent'"]


def test_monkeypatching_numpy_cannot_change_the_verdict(sandbox: Sandbox, write: Any) -> None:
    source = """
        import numpy as np
        np.allclose = lambda *a, **k: True
        np.testing.assert_allclose = lambda *a, **k: None
        np.frombuffer = lambda *a, **k: np.ones(1)
        def batch_normalization(X, gamma, beta, epsilon=1e-5):
            return np.full_like(X, 7.0)
        """
    outcome = run(sandbox, write(source))
    assert outcome.status == "ok"
    got = array(outcome, "case-1")
    assert (got == 7.0).all()
    assert not np.allclose(got, reference(**args()))  # the grader's numpy is untouched
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(got, reference(**args()))


# -- the result channel ----------------------------------------------------------------


def test_jobs_without_cases(sandbox: Sandbox, write: Any) -> None:
    path = write(REFERENCE)
    assert run(sandbox, path, []).status == "ok"
    probes = [Call("p", args(), group="probe")]
    outcome = run(sandbox, path, probes)
    assert outcome.status == "ok" and outcome.calls[0].status == "ok"


def test_closing_the_result_channel_is_a_crash(sandbox: Sandbox, write: Any) -> None:
    path = write("import os\ndef f():\n    os.closerange(3, 100)\n    return 1.0\n")
    outcome = run(sandbox, path, [Call("a", {}), Call("b", {})], entry="f")
    assert outcome.status == "crashed"
    assert [c.status for c in outcome.calls] == ["crashed", "not-run"]
    assert any("worker failed" in w for w in outcome.warnings)


@pytest.mark.parametrize(
    "forgery",
    [
        "b'garbage that is not a frame'",
        "struct.pack('!4sIQ', b'NKSB', 2**31, 0)",
        "frame({'type': 'call', 'index': 7, 'status': 'ok'})",
        "frame({'type': 'call', 'index': 0, 'status': 'passed'})",
        "frame({'type': 'done'})",
    ],
)
def test_forged_result_frames_are_a_crash(sandbox: Sandbox, write: Any, forgery: str) -> None:
    source = f"""
        import json, os, struct
        def frame(header):
            head = json.dumps(header).encode()
            return struct.pack("!4sIQ", b"NKSB", len(head), 0) + head
        def f():
            os.write(3, {forgery})
            return 1.0
        """
    outcome = run(sandbox, write(source), [Call("a", {}), Call("b", {})], entry="f")
    assert outcome.status == "crashed", outcome
    assert outcome.calls[0].status == "crashed" and outcome.calls[1].status == "not-run"
    assert any("malformed" in w for w in outcome.warnings), outcome.warnings
