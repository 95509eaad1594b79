"""``grade --watch``: grades again after every change, clears the screen, stops on Ctrl-C."""

from __future__ import annotations

import io
import os
import queue
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from normkatas.app.watch import CLEAR, watch
from tests.e2e.conftest import REPO, grade_command


class FakeFile:
    """A file whose signature the test sets; `sleep` advances a script of edits."""

    def __init__(self, edits: dict[int, tuple[int, int] | None]) -> None:
        self.edits = edits
        self.ticks = 0
        self.current: tuple[int, int] | None = (1, 10)

    def sleep(self, seconds: float) -> None:
        self.ticks += 1
        if self.ticks in self.edits:
            self.current = self.edits[self.ticks]

    def look(self, path: Path) -> tuple[int, int] | None:
        return self.current


def test_runs_once_then_after_each_change_and_clears_between_runs() -> None:
    fake = FakeFile({3: (2, 12), 6: (3, 12)})
    out = io.StringIO()
    runs: list[int] = []
    watch(Path("x.py"), lambda: runs.append(fake.ticks), out=out, sleep=fake.sleep,
          look=fake.look, clear=True, max_runs=3)
    assert len(runs) == 3
    assert out.getvalue().count(CLEAR) == 3
    assert out.getvalue().count("watching x.py") == 3


def test_a_file_still_being_written_is_graded_once_it_settles() -> None:
    # The change at tick 3 is followed by another write at tick 4: one run, of the final state.
    fake = FakeFile({3: (2, 5), 4: (2, 9)})
    seen: list[tuple[int, int] | None] = []
    watch(Path("x.py"), lambda: seen.append(fake.current), out=io.StringIO(),
          sleep=fake.sleep, look=fake.look, clear=False, max_runs=2)
    assert seen == [(1, 10), (2, 9)]


def test_a_missing_file_is_waited_for() -> None:
    fake = FakeFile({1: None, 4: (5, 5)})
    fake.current = None
    out = io.StringIO()
    runs: list[int] = []
    watch(Path("x.py"), lambda: runs.append(1), out=out, sleep=fake.sleep, look=fake.look,
          clear=False, max_runs=1)
    assert runs == [1]
    assert out.getvalue().count("waiting for x.py") == 1


def test_ctrl_c_stops_cleanly_with_status_0() -> None:
    def interrupted() -> None:
        raise KeyboardInterrupt

    out = io.StringIO()
    fake = FakeFile({})
    assert watch(Path("x.py"), interrupted, out=out, sleep=fake.sleep, look=fake.look,
                 clear=False) == 0
    assert out.getvalue().endswith("stopped watching\n")


def _reader(stream: io.TextIOBase, lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)
    lines.put("")


def _until(lines: queue.Queue[str], marker: str, bound: float = 120.0) -> str:
    """Lines up to and including the first that contains `marker` (a bounded wait)."""
    seen: list[str] = []
    deadline = time.monotonic() + bound
    while True:
        line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        if line == "":
            raise AssertionError("grade --watch ended early:\n" + "".join(seen))
        seen.append(line)
        if marker in line:
            return "".join(seen)


@pytest.mark.slow
def test_watch_regrades_after_the_file_changes(tmp_path: Path) -> None:
    source = (REPO / "examples" / "batchnorm_mistakes.py").read_text(encoding="utf-8")
    correct = (REPO / "examples" / "batchnorm_correct.py").read_text(encoding="utf-8")
    assert len(source) != len(correct)
    target = tmp_path / "solution.py"
    target.write_text(source, encoding="utf-8")
    proc = subprocess.Popen(
        [*grade_command(), "--watch", str(target)], cwd=tmp_path, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stdout is not None
    reader = threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True)
    reader.start()
    try:
        first = _until(lines, "watching ")
        assert "error[layer-norm]" in first
        target.write_text(correct, encoding="utf-8")
        second = _until(lines, "watching ")
        assert "passed: all" in second and "layer-norm" not in second
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
        assert "stopped watching" in _until(lines, "stopped watching")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        reader.join(timeout=30)
        proc.stdout.close()
