"""Hostile submissions through the real `grade` command, in every output format.

tests/sandbox/test_hostile.py runs the corpus tests/hostile/*.py against the
Sandbox API; here every file goes once through the real
`grade FILE --kata batchnorm-bchw --format json`, in a folder of its own, and
the Result it printed is rendered in every other format in-process (renderers
are pure functions of the Result).  Every run must give the
right verdict and exit status (never a pass for a wrong file, always one for a
right one), name the expected diagnosis, print valid output in that format,
end in bounded time and leave no process behind: none whose command line or
working directory mentions the run's folder may survive the command.

Also here: hidden case data never reaches a report, the reference is out of the
student's reach, `--output` is all-or-nothing when `grade` is killed, one
student's crash does not touch another's grade in class mode, and bad command
lines or kata folders give a clear message and exit 2.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from normkatas.render import FORMATS
from tests.e2e.conftest import REPO, grade_command, run_grade
from tests.e2e.formats import check_html, check_output
from tests.support.procs import live_processes

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc"),
]

HOSTILE = REPO / "tests" / "hostile"
CORRECT = REPO / "examples" / "batchnorm_correct.py"
KATA = "batchnorm-bchw"
GRACE = 3.0  # seconds a killed process tree may take to disappear


# -- running `grade` and looking for what it left behind ------------------------------


def _processes(folder: Path) -> list[tuple[int, bytes, bytes]]:
    """Live processes whose command line or working directory is inside `folder`:
    (pid, command line, working directory + "/")."""
    inside = os.fsencode(str(folder)) + b"/"
    return [(p.pid, p.cmdline, p.cwd) for p in live_processes()
            if inside in p.cmdline or p.cwd.startswith(inside)]


def survivors(folder: Path, grace: float = GRACE) -> list[str]:
    """What still runs in `folder` after `grace` seconds (empty: all gone)."""
    deadline = time.monotonic() + grace
    while True:
        left = _processes(folder)
        if not left or time.monotonic() > deadline:
            return [f"{pid}: {cmd[:200]!r} in {cwd!r}" for pid, cmd, cwd in left]
        time.sleep(0.05)


def all_dead(pids: Sequence[int]) -> bool:
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                if f.read().rsplit(b")", 1)[1].split()[0] != b"Z":
                    return False
        except OSError:
            continue
    return True


@dataclass
class Run:
    fmt: str
    file: Path
    proc: subprocess.CompletedProcess[str]
    left: list[str]

    @property
    def out(self) -> str:
        return self.proc.stdout

    def json(self) -> dict[str, Any]:
        assert self.fmt == "json"
        data: dict[str, Any] = json.loads(self.out)
        return data


def grade_copy(src: Path, folder: Path, fmt: str, options: Sequence[str]) -> Run:
    """Copy `src` into `folder` and grade it there, as the student would."""
    folder.mkdir(parents=True)
    target = folder / src.name
    shutil.copyfile(src, target)
    proc = run_grade([target, "--kata", KATA, "--format", fmt, *options], cwd=folder,
                     timeout=120)
    return Run(fmt, target, proc, survivors(folder))


def grade_every_format(src: Path, tmp: Path, options: Sequence[str]) -> dict[str, Run]:
    """Grade `src` once with the real `grade --format json`, then render that Result in
    every format in-process: renderers are pure functions of the Result, so this is
    what `grade --format F` prints, without a process per format."""
    from normkatas.render import render
    from normkatas.report.result import result_from_json

    graded = grade_copy(src, tmp / "json", "json", options)
    assert graded.proc.stdout.strip(), graded.proc.stderr
    result = result_from_json(graded.proc.stdout)
    runs = {"json": graded}
    for fmt in FORMATS:
        if fmt != "json":
            rendered = subprocess.CompletedProcess(
                graded.proc.args, graded.proc.returncode, render(result, fmt),
                graded.proc.stderr,
            )
            runs[fmt] = Run(fmt, graded.file, rendered, graded.left)
    return runs


# -- the hidden cases' data -----------------------------------------------------------


def _spellings(value: float) -> set[str]:
    """How a submission or a report could write `value` (5 significant digits or more)."""
    v = float(value)
    digits = f"{abs(v):.15e}".replace(".", "")[:7]  # its first 7 digits, as in v * 1e12
    return {
        repr(v),
        f"{v:.8f}".rstrip("0"),
        f"{v:.6f}",
        f"{v:.5f}",
        np.format_float_positional(np.float32(v), unique=True),
        f"{v:.8f}".replace("-", "m").replace(".", "p"),
        digits,
    }


def _sample(array: np.ndarray) -> list[float]:
    flat = np.asarray(array, dtype=np.float64).ravel()
    picks = [0, 1, 2, flat.size // 2, flat.size - 1]
    return [float(flat[i]) for i in picks if abs(flat[i]) > 1e-3]


@functools.cache
def case_values(hidden: bool) -> frozenset[str]:
    """Spellings of a few generated input values of the kata's hidden (or visible) cases."""
    from normkatas.spec.inputs import materialize
    from normkatas.spec.library import KataLibrary

    kata = KataLibrary.from_dirs().get(KATA)
    found: set[str] = set()
    for case in materialize(kata):
        if case.spec.hidden != hidden or case.spec.probe:
            continue
        generated = {k for k, v in case.spec.args.items() if isinstance(v, dict) or
                     hasattr(v, "generate")}
        for name, value in case.kwargs.items():
            if name in generated and isinstance(value, np.ndarray) and value.size >= 5:
                for v in _sample(value):
                    found |= _spellings(v)
    return frozenset(s for s in found if len(s.strip("-m0p.")) >= 5)


def assert_no_hidden_values(runs: dict[str, Run]) -> None:
    secrets = case_values(hidden=True)
    assert len(secrets) > 20
    for run in runs.values():
        leaked = sorted(s for s in secrets if s in run.out)
        assert not leaked, f"{run.fmt}: hidden input values in the report: {leaked[:5]}"
        assert not re.search(r"(Leak_|LEAK )[m0-9]", run.out), run.fmt


# -- what each hostile file must give -------------------------------------------------


@dataclass(frozen=True)
class Expect:
    file: str
    status: str
    """The verdict: passed (exit 0), failed or error (exit 1)."""
    diagnosis: str | None = None
    options: tuple[str, ...] = ("--timeout", "5")
    check: Callable[[dict[str, Run]], None] | None = field(default=None, compare=False)


LOOP = ("--timeout", "0.5")
MEMORY = ("--timeout", "5", "--memory-mb", "512")


def _children_killed(runs: dict[str, Run]) -> None:
    text = runs["json"].json()["stdout"]["text"]
    pids = [int(p) for line in text.splitlines() if line.startswith("PIDS:")
            for p in line.split()[1:]]
    assert len(pids) >= 4 and len(pids) % 2 == 0, text  # a child and a daemon per call
    if _job_pid_namespace():
        return  # pids of the job's own namespace, gone with it (`run.left` checks survivors)
    assert all_dead(pids), pids


def _job_pid_namespace() -> bool:
    from normkatas.sandbox import Sandbox

    with Sandbox(jobs=1, mode="fork") as sb:
        return sb.protections.pid_namespace


def _capped(runs: dict[str, Run]) -> None:
    data = runs["json"].json()
    for stream in ("stdout", "stderr"):
        captured = data[stream]
        assert captured["truncated"] and captured["total_bytes"] >= 32 * 2**20
        assert len(captured["text"].encode()) <= 64 * 1024
    for run in runs.values():
        assert len(run.out) < 1_000_000, (run.fmt, len(run.out))


def _fake_report_ignored(runs: dict[str, Run]) -> None:
    data = runs["json"].json()  # one clean object, whatever the submission printed
    assert "All tests passed!" in data["stdout"]["text"]
    assert data["score"] == 0


def _message_inert(runs: dict[str, Run]) -> None:
    assert "\\x1b[2J" in runs["text"].out  # shown, made visible, not dropped
    for fmt in ("html", "junit"):
        assert '<script>alert("pwned")' not in runs[fmt].out
        assert "&lt;script&gt;" in runs[fmt].out
    check_html(runs["html"].out, student=("pwned",))
    error = runs["json"].json()["cases"][0]["error"]
    assert error["message"].startswith('<script>alert("pwned")</script> \x1b[2J')


def _output_inert(runs: dict[str, Run]) -> None:
    assert "All tests passed!" in runs["text"].out  # the student's output is shown ...
    assert "\\x1b[2J" in runs["text"].out  # ... with its escapes made visible
    github = runs["github"].out.splitlines()
    assert not any(line.startswith(("::stop-commands", "::add-mask")) for line in github)
    assert not any(line == "::error::injected annotation" for line in github)
    check_html(runs["html"].out, student=("pwned",))


def _recursion(runs: dict[str, Run]) -> None:
    assert runs["json"].json()["cases"][0]["error"]["type"] == "RecursionError"


def _memory(runs: dict[str, Run]) -> None:
    assert runs["json"].json()["cases"][0]["error"]["kind"] == "memory-limit"


def _wrong_shape(runs: dict[str, Run]) -> None:
    case = runs["json"].json()["cases"][0]
    assert case["mismatches"][0]["shape_yours"] == [10**5, 10**5]
    assert case["mismatches"][0]["shape_reference"] == [2, 2, 2, 2]


def _named(runs: dict[str, Run]) -> None:
    for fmt in ("text", "markdown", "html", "junit"):
        assert runs[fmt].file.name in runs[fmt].out, fmt
    assert runs["json"].json()["submission"] == str(runs["json"].file)


def _nothing_found(runs: dict[str, Run]) -> None:
    data = runs["json"].json()
    assert "FOUND" not in data["stdout"]["text"], data["stdout"]["text"]
    assert data["score"] == 0


def _inputs_printed_not_hidden(runs: dict[str, Run]) -> None:
    visible = case_values(hidden=False)
    shown = runs["json"].json()["stdout"]["text"]
    # The search works: the visible cases' values are there, as printed ...
    assert sum(s in shown for s in visible) >= 5
    assert_no_hidden_values(runs)  # ... the hidden cases' are nowhere


def _side_channels_closed(runs: dict[str, Run]) -> None:
    data = runs["json"].json()
    hidden = [c for c in data["cases"] if c["hidden"]]
    assert [c["status"] for c in hidden] == ["error", "failed", "failed"]
    assert all(c["status"] == "passed" for c in data["cases"] if not c["hidden"])
    assert_no_hidden_values(runs)


EXPECTED = [
    Expect("loop_in_function.py", "error", "timeout", LOOP),
    Expect("loop_at_import.py", "error", "timeout", LOOP),
    Expect("sleep_at_import.py", "error", "timeout", LOOP),
    Expect("ignore_sigterm.py", "error", "timeout", LOOP),
    Expect("memory_bomb.py", "error", "memory-limit", MEMORY, check=_memory),
    Expect("memory_bomb_at_import.py", "error", "memory-limit", MEMORY),
    Expect("memory_bomb_1gb.py", "error", "memory-limit", MEMORY, check=_memory),
    Expect("exit_at_import.py", "error", "crashed"),
    Expect("os_exit_in_function.py", "error", "crashed"),
    Expect("segfault.py", "error", "crashed"),
    Expect("infinite_recursion.py", "error", "exception", check=_recursion),
    Expect("monkeypatch_numpy.py", "failed"),
    Expect("lying_subclass.py", "failed"),
    Expect("fake_report.py", "failed", check=_fake_report_ignored),
    Expect("flood_output.py", "passed", options=("--timeout", "20"), check=_capped),
    Expect("fork_children.py", "passed", check=_children_killed),
    Expect("giant_array.py", "failed", "wrong-return-type"),
    Expect("giant_single_array.py", "failed", "wrong-shape", check=_wrong_shape),
    Expect("object_array.py", "failed", "wrong-return-type"),
    Expect("string_array.py", "failed", "wrong-return-type"),
    Expect("close_fds.py", "failed", "exception"),
    Expect("close_stdio.py", "passed"),
    Expect("chdir_root.py", "passed"),
    Expect("escape_sequences.py", "error", "exception", check=_message_inert),
    Expect("escape_output.py", "failed", check=_output_inert),
    Expect("name with spaces ünïcödé.py", "passed", check=_named),
    Expect("snoop_reference.py", "failed", check=_nothing_found),
    Expect("leak_inputs.py", "error", "exception", check=_inputs_printed_not_hidden),
    Expect("leak_side_channels.py", "failed", check=_side_channels_closed),
    Expect("ci_injection.py", "failed"),
]


def test_every_hostile_file_is_expected() -> None:
    assert sorted(e.file for e in EXPECTED) == sorted(p.name for p in HOSTILE.glob("*.py"))


def check_run(run: Run, expect: Expect) -> None:
    where = f"{expect.file} --format {run.fmt}"
    proc = run.proc
    assert not run.left, f"{where}: processes left running: {run.left}"
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    assert proc.returncode == (0 if expect.status == "passed" else 1), (where, proc.stderr)
    verdict = check_output(run.fmt, run.out)
    assert verdict in (None, expect.status), f"{where}: says {verdict}"
    if expect.diagnosis is not None:
        if run.fmt == "json":
            assert expect.diagnosis in [d["id"] for d in run.json()["diagnoses"]], where
        elif run.fmt == "sarif":
            assert f'"ruleId": "{expect.diagnosis}"' in run.out, where
        elif run.fmt not in ("classroom", "exercism"):
            assert f"[{expect.diagnosis}]" in run.out, where


@pytest.mark.parametrize("expect", EXPECTED, ids=[e.file for e in EXPECTED])
def test_hostile_file_in_every_format(tmp_path: Path, expect: Expect) -> None:
    runs = grade_every_format(HOSTILE / expect.file, tmp_path, expect.options)
    for fmt in FORMATS:
        check_run(runs[fmt], expect)
    if expect.check is not None:
        expect.check(runs)


# -- file names the renderers must keep inert -----------------------------------------


def test_a_file_name_carrying_markup_and_escapes(tmp_path: Path) -> None:
    name = 'évil <img src=x onerror=alert("pwned")> \x1b[2J ::error::x.py'
    src = tmp_path / name
    src.write_text(CORRECT.read_text(encoding="utf-8"), encoding="utf-8")
    runs = grade_every_format(src, tmp_path / "runs", ("--timeout", "5"))
    for run in runs.values():
        check_run(run, Expect(name, "passed"))
        if run.fmt in ("html", "junit"):
            assert "<img" not in run.out, run.fmt
    check_html(runs["html"].out, student=("pwned",))
    assert json.loads(runs["json"].out)["submission"] == str(runs["json"].file)


# -- the CI's own files are out of reach ------------------------------------------------


def test_the_ci_step_files_hold_only_what_the_grader_wrote(tmp_path: Path) -> None:
    files = {name: tmp_path / name.lower() for name in
             ("GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT", "GITHUB_ENV")}
    env = {name: str(path) for name, path in files.items()}
    proc = run_grade([HOSTILE / "ci_injection.py", "--kata", KATA, "--format", "github"],
                     cwd=tmp_path, env=env)
    assert proc.returncode == 1, proc.stderr
    summary = files["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8")
    assert "score 0/29" in summary and "All tests passed" not in summary
    assert not files["GITHUB_OUTPUT"].exists() and not files["GITHUB_ENV"].exists()


# -- the reference is out of reach ----------------------------------------------------


def test_the_reference_is_out_of_reach_in_class_mode_too(tmp_path: Path) -> None:
    """Class mode loads every kata before grading: still nothing in the student's process."""
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copyfile(HOSTILE / "snoop_reference.py", folder / "mallory.py")
    shutil.copyfile(CORRECT, folder / "alice.py")
    proc = run_grade([folder, "--kata", KATA, "--format", "json", "--out", tmp_path / "out",
                      "--jobs", "2", "--timeout", "5"], cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    result = json.loads((tmp_path / "out" / "results" / "mallory.json").read_text())
    assert result["status"] == "failed" and result["score"] == 0
    assert "FOUND" not in result["stdout"]["text"]
    assert survivors(tmp_path) == []


# -- reports are all or nothing --------------------------------------------------------


def _student_running(folder: Path, timeout: float = 30, grader: int | None = None) -> None:
    """Wait for the student's process: the only one working in `folder`, or (isolated:
    its working folder is a scratch of its own) the grader's job process."""
    here = os.fsencode(str(folder)) + b"/"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(cwd == here for _, _, cwd in _processes(folder)):
            return
        if grader is not None and _job_below(grader):
            return
        time.sleep(0.02)
    raise AssertionError("the student's process never started")


def _job_below(pid: int) -> bool:
    from normkatas.sandbox import procs
    from normkatas.sandbox.worker import PROCESS_NAME

    for child in procs.descendants(pid):
        try:
            with open(f"/proc/{child}/comm", encoding="ascii", errors="replace") as comm:
                if comm.read().strip() == PROCESS_NAME:
                    return True
        except OSError:
            continue
    return False


PREVIOUS = '{"status": "passed", "note": "the previous complete report"}\n'


@pytest.mark.parametrize("previous", [None, PREVIOUS], ids=["no-file", "previous-file"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_killed_grade_leaves_no_partial_report(
    tmp_path: Path, sig: signal.Signals, previous: str | None
) -> None:
    student = tmp_path / "student"
    student.mkdir()
    shutil.copyfile(HOSTILE / "loop_in_function.py", student / "loop.py")
    reports = tmp_path / "reports"
    reports.mkdir()
    out = reports / "results.json"
    if previous is not None:
        out.write_text(previous, encoding="utf-8")
    env = {**os.environ, "NO_COLOR": "1"}
    with subprocess.Popen(
        [*grade_command(), str(student / "loop.py"), "--kata", KATA, "--format", "json",
         "--output", str(out), "--timeout", "60"],
        cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    ) as proc:
        try:
            _student_running(student, grader=proc.pid)
            proc.send_signal(sig)
            stdout, stderr = proc.communicate(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode != 0, (stdout, stderr)
    assert "Traceback" not in stderr
    if previous is None:
        assert not out.exists()
    else:
        assert out.read_text(encoding="utf-8") == previous
    assert sorted(p.name for p in reports.iterdir()) == ([] if previous is None else
                                                         ["results.json"])
    assert survivors(tmp_path) == []


# -- one student's crash is nobody else's ---------------------------------------------

CLASS = {
    "alice": ("name with spaces ünïcödé.py", "passed", None),
    "bob": ("loop_in_function.py", "error", "timeout"),
    "carol": ("segfault.py", "error", "crashed"),
    "dave": ("memory_bomb_1gb.py", "error", "memory-limit"),
    "erin": ("os_exit_in_function.py", "error", "crashed"),
    "frank": ("fork_children.py", "passed", None),
    "grace": ("ignore_sigterm.py", "error", "timeout"),
    "heidi": ("close_stdio.py", "passed", None),
    "ivan": ("exit_at_import.py", "error", "crashed"),
    "judy": ("chdir_root.py", "passed", None),
    "mallory": ("monkeypatch_numpy.py", "failed", None),
}


def test_a_class_with_hostile_neighbours(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    for student, (file, _, _) in CLASS.items():
        shutil.copyfile(HOSTILE / file, folder / f"{student}.py")
    started = time.monotonic()
    proc = run_grade([folder, "--kata", KATA, "--format", "json", "--out", tmp_path / "out",
                      "--jobs", "2", "--timeout", "1", "--memory-mb", "512"], cwd=tmp_path)
    assert time.monotonic() - started < 60
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    summary = json.loads(proc.stdout)
    students = {s["student"]: s for s in summary["students"]}
    assert set(students) == set(CLASS)
    for student, (_, status, diagnosis) in CLASS.items():
        got = students[student]
        assert got["status"] == status, (student, got)
        if diagnosis is not None:
            assert diagnosis in got["diagnoses"], (student, got)
        result = json.loads((tmp_path / "out" / "results" / f"{student}.json").read_text())
        check_output("json", json.dumps(result))
        assert result["status"] == status
        if status == "passed":
            assert result["score"] == result["max_score"]
    assert survivors(tmp_path) == []


# -- bad command lines and kata folders -------------------------------------------------


def usage_error(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert proc.stdout == ""
    for word in words:
        assert word in proc.stderr, proc.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.py"
    path.write_text(CORRECT.read_text(encoding="utf-8"), encoding="utf-8")
    path.chmod(0)
    try:
        usage_error(run_grade([path]), "secret.py")
    finally:
        path.chmod(0o600)


def test_a_folder_or_file_given_to_kata(tmp_path: Path) -> None:
    usage_error(run_grade([CORRECT, "--kata", tmp_path]), "unknown kata", "--katas-dir")
    kata_file = REPO / "katas" / "batchnorm-bchw.yaml"
    usage_error(run_grade([CORRECT, "--kata", kata_file]), "unknown kata", "kata id")


def test_an_unknown_kata_is_named_with_the_known_ones() -> None:
    usage_error(run_grade([CORRECT, "--kata", "batchnorm-bchv"]),
                "unknown kata 'batchnorm-bchv'", "batchnorm-bchw")
    usage_error(run_grade(["--show", "batchnorm-bchv"]), "batchnorm-bchw")


@pytest.mark.parametrize("value", ["0", "-1", "abc", "nan", "inf", "-inf", "1e308", ""])
def test_a_bad_timeout(value: str) -> None:
    usage_error(run_grade([CORRECT, "--timeout", value]), "--timeout")


@pytest.mark.parametrize("value", ["0", "1", "-5", "63", "1e3", "abc"])
def test_a_bad_memory_limit(value: str) -> None:
    usage_error(run_grade([CORRECT, "--memory-mb", value]), "--memory-mb")


def test_an_output_that_cannot_be_written(tmp_path: Path) -> None:
    usage_error(run_grade([CORRECT, "--output", tmp_path]), str(tmp_path))
    blocked = tmp_path / "a file"
    blocked.write_text("", encoding="utf-8")
    usage_error(run_grade([CORRECT, "--output", blocked / "result.json"]), "--output")
    assert blocked.read_text(encoding="utf-8") == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a file"]


@pytest.fixture
def broken_katas(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "katas"
    folder.mkdir()
    (folder / "broken.yaml").write_text("id: broken\ntitle: [unclosed\ncases: {\n",
                                        encoding="utf-8")
    fc = (REPO / "katas" / "batchnorm-fc.yaml").read_text(encoding="utf-8")
    (folder / "fc-a.yaml").write_text(fc, encoding="utf-8")
    (folder / "fc-b.yaml").write_text(fc, encoding="utf-8")  # the same id again
    yield folder


def test_a_broken_kata_file_does_not_stop_other_katas(broken_katas: Path) -> None:
    proc = run_grade([CORRECT, "--katas-dir", broken_katas, "--format", "json"])
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] == "passed"
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("grade: warning:")]
    assert any("broken.yaml" in w and "syntax" in w.lower() for w in warnings), proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_duplicate_kata_id_is_named_and_the_first_file_wins(broken_katas: Path) -> None:
    right = REPO / "tests" / "corpus" / "batchnorm-fc" / "right_axis0.py"
    proc = run_grade([right, "--katas-dir", broken_katas, "--format", "json"])
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["kata"] == "batchnorm-fc"
    assert re.search(r"grade: warning: .*fc-b\.yaml.*batchnorm-fc.*fc-a\.yaml", proc.stderr)


def test_a_broken_kata_asked_for_by_id_is_explained(broken_katas: Path) -> None:
    usage_error(run_grade([CORRECT, "--katas-dir", broken_katas, "--kata", "broken"]),
                "broken.yaml", "unknown kata 'broken'")
