"""A disposable grading world for the attack corpus, and the outcome checks.

Each test gets a `World`: a folder of its own (world-readable, like an
operator's checkout, so that a job running under another identity can read
what it must) holding

- ``pkg/``: a copy of the normkatas package, which every `grade` of the world
  imports (``PYTHONPATH``), so that an attack on the grader's code can only
  damage this copy;
- ``bin/grade``: the `grade` command of this world (it also records the
  grader's own peak memory, see `Run.rss_mb`);
- ``instructor/``: (0700) a private copy of the batchnorm-bchw kata with one
  more hidden case whose inputs carry marker values, a marker comment in the
  YAML, and a reference solution with a marker comment;
- ``class/``: submissions, one file per student;
- ``tmp/``: ``TMPDIR`` of every run (so everything a run starts is findable).

The outcome checks never look at how the sandbox works: scores, markers in
what students see, one JSON object, exit codes, processes left, peak memory.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support import REPO as REPO
from tests.support.procs import live_processes

HOSTILE = Path(__file__).resolve().parent / "hostile"
KATA = "batchnorm-bchw"
RECON = "from _recon import *"


def hostile_source(path: Path) -> str:
    """An attack as one submission file: `_recon.py` inlined where it is imported."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    recon = (HOSTILE / "_recon.py").read_text(encoding="utf-8")
    return "".join(recon if line.startswith(RECON) else line for line in lines)


RIGHT = (REPO / "solutions" / "batchnorm_bchw.py").read_text(encoding="utf-8")
WRONG = '''\
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    mean = X.mean(axis=(1, 2, 3), keepdims=True)
    var = X.var(axis=(1, 2, 3), keepdims=True)
    Xn = (X - mean) / np.sqrt(var + epsilon)
    return gamma[None, :, None, None] * Xn + beta[None, :, None, None]
'''

# Markers: none of these may reach anything a student sees.
HIDDEN_MARKERS = ("8675309", "11, 3, 13, 2", "11,3,13,2")
YAML_MARKER = "HIDDEN-YAML-MARKER-31415"
REFERENCE_MARKER = "REFERENCE-MARKER-27182"
ENV_MARKER = "ENV-MARKER-16180"
ATTACK_MARKERS = ("FORGED", "PWNED", "ESCAPED")
"""What the attacks write where only the grader should."""
MARKERS = (*HIDDEN_MARKERS, YAML_MARKER, REFERENCE_MARKER, ENV_MARKER)

HIDDEN_CASE = f"""\
  # {YAML_MARKER}
  - name: instructor-marker
    hidden: true
    points: 5
    args:
      X: {{generate: normal, shape: [11, 3, 13, 2], seed: 8675309}}
      gamma: [1.8675309, -0.8675309, 2.8675309]
      beta: [0.8675309, 0.18675309, -0.8675309]
"""

TIMEOUT = 180.0
"""Seconds a run may take before the test calls it hung (a hang, not a slow run)."""

RSS_HEADROOM_MB = 128
"""How far above a clean run's peak the grader's memory may go while attacked."""


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    rss_mb: float
    hung: bool = False

    def text(self) -> str:
        return self.stdout + "\n" + self.stderr


class World:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="nk-sec-"))
        os.chmod(self.root, 0o755)
        self.tmp = self.root / "tmp"
        self.tmp.mkdir(mode=0o1777)
        os.chmod(self.tmp, 0o1777)
        self.pkg = self.root / "pkg"
        shutil.copytree(REPO / "src" / "normkatas", self.pkg / "normkatas",
                        ignore=shutil.ignore_patterns("__pycache__"))
        self.bin = self.root / "bin"
        self.bin.mkdir()
        driver = self.bin / "grade_driver.py"
        driver.write_text(
            "import os, resource, sys\n"
            "from normkatas.app.cli import main\n"
            "try:\n"
            "    code = main(sys.argv[1:])\n"
            "finally:\n"
            "    path = os.environ.get('NK_RSS_FILE')\n"
            "    if path:\n"
            "        with open(path, 'a') as f:\n"
            "            f.write(f'{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n')\n"
            "sys.exit(code)\n",
            encoding="utf-8",
        )
        self.grade = self.bin / "grade"
        self.grade.write_text(
            "#!/bin/sh\n"
            f"PYTHONPATH='{self.pkg}' exec '{sys.executable}' '{driver}' \"$@\"\n",
            encoding="utf-8",
        )
        self.grade.chmod(0o755)
        self.instructor = self.root / "instructor"
        self.katas = self.instructor / "katas"
        self.katas.mkdir(parents=True)
        source = (REPO / "katas" / f"{KATA}.yaml").read_text(encoding="utf-8")
        (self.katas / f"{KATA}.yaml").write_text(source.rstrip("\n") + "\n" + HIDDEN_CASE,
                                                  encoding="utf-8")
        solutions = self.instructor / "solutions"
        solutions.mkdir()
        (solutions / "batchnorm_bchw.py").write_text(f"# {REFERENCE_MARKER}\n" + RIGHT,
                                                      encoding="utf-8")
        os.chmod(self.instructor, 0o700)
        self.cls = self.root / "class"
        self.cls.mkdir()
        self.out = self.root / "out"
        self._runs = 0

    # -- files --------------------------------------------------------------------------

    def submission(self, name: str, source: str | Path) -> Path:
        text = hostile_source(source) if isinstance(source, Path) else source
        path = self.cls / f"{name}.py"
        path.write_text(text, encoding="utf-8")
        return path

    def package_digest(self) -> dict[str, bytes]:
        return {str(p.relative_to(self.pkg)): p.read_bytes()
                for p in sorted(self.pkg.rglob("*")) if p.is_file() and p.suffix != ".pyc"}

    # -- running ------------------------------------------------------------------------

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("GITHUB_", "PYTEST_", "NORMKATAS_"))}
        env.update(NO_COLOR="1", TMPDIR=str(self.tmp), GRADER_SECRET=ENV_MARKER,
                   PATH=f"{self.bin}{os.pathsep}{env.get('PATH', '')}")
        env.pop("PYTHONPATH", None)
        env.update(extra or {})
        return env

    def run(self, argv: Sequence[str | os.PathLike[str]], *, env: dict[str, str] | None = None,
            cwd: Path | None = None, timeout: float = TIMEOUT) -> Run:
        self._runs += 1
        rss = self.root / f"rss-{self._runs}.txt"
        proc = subprocess.Popen(
            [str(a) for a in argv], cwd=cwd or self.root, env=self.env({**(env or {}),
                                                                        "NK_RSS_FILE": str(rss)}),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, errors="replace", start_new_session=True,
        )
        hung = False
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            hung = True
            self.kill_all()
            out, err = proc.communicate()
        peak = max((int(x) for x in rss.read_text().split()), default=0) if rss.exists() else 0
        return Run(proc.returncode, out, err, peak / 1024, hung)

    def grade_cmd(self, *args: str | os.PathLike[str]) -> Run:
        return self.run([self.grade, *args])

    def grade_one(self, path: Path, *extra: str | os.PathLike[str]) -> Run:
        return self.grade_cmd(path, "--kata", KATA, "--katas-dir", self.katas, *extra)

    def grade_class(self, *extra: str | os.PathLike[str]) -> Run:
        return self.grade_cmd(self.cls, "--kata", KATA, "--katas-dir", self.katas,
                              "--out", self.out, "--format", "json", "--jobs", "2", *extra)

    # -- Gradescope ---------------------------------------------------------------------

    def autograder(self, source: str | Path) -> tuple[Run, dict[str, Any] | None]:
        """The real classroom/gradescope/run_autograder, in AUTOGRADER_ROOT=<world>/ag."""
        root = self.root / "ag"
        if root.exists():
            shutil.rmtree(root)
        (root / "submission").mkdir(parents=True)
        (root / "results").mkdir()
        shutil.copytree(REPO / "classroom" / "gradescope", root / "source",
                        ignore=shutil.ignore_patterns("requirements-grader.txt"))
        shutil.copytree(self.katas, root / "source" / "katas")
        shutil.copytree(self.instructor / "solutions", root / "source" / "solutions")
        text = hostile_source(source) if isinstance(source, Path) else source
        (root / "submission" / "solution.py").write_text(text, encoding="utf-8")
        os.chmod(root, 0o755)
        run = self.run([root / "source" / "run_autograder"],
                       env={"AUTOGRADER_ROOT": str(root), "GRADE": str(self.grade)})
        results = root / "results" / "results.json"
        data = json.loads(results.read_text(encoding="utf-8")) if results.is_file() else None
        return run, data

    # -- processes ----------------------------------------------------------------------

    def processes(self) -> list[tuple[int, str]]:
        """Live processes whose command line, working folder or environment is of this world."""
        inside = os.fsencode(str(self.root))
        return [(p.pid, p.cmdline.decode("utf-8", "replace")[:200]) for p in live_processes()
                if inside in p.cmdline or p.cwd.startswith(inside) or inside in p.environ]

    def survivors(self) -> list[str]:
        """What is still running of this world, once `grade` has exited (each gets a moment
        to finish exiting: bounded by counting, not by a clock)."""
        left: list[tuple[int, str]] = []
        for _ in range(200):
            left = self.processes()
            if not left:
                return []
            os.sched_yield()
            with contextlib.suppress(Exception):
                os.waitpid(-1, os.WNOHANG)
            _wait_a_little()
        return [f"{pid}: {cmd}" for pid, cmd in left]

    def kill_all(self) -> None:
        for pid, _ in self.processes():
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)

    def close(self) -> None:
        self.kill_all()
        for path in self.root.rglob("*"):  # tests as root may leave files a user cannot remove
            with contextlib.suppress(OSError):
                if path.is_dir() and not path.is_symlink():
                    path.chmod(stat.S_IRWXU)
        shutil.rmtree(self.root, ignore_errors=True)


def _wait_a_little() -> None:
    """Give exiting processes one scheduling round (a pipe read with a short bound)."""
    r, w = os.pipe()
    try:
        import select

        select.select([r], [], [], 0.02)
    finally:
        os.close(r)
        os.close(w)


@contextlib.contextmanager
def world() -> Iterator[World]:
    w = World()
    try:
        yield w
    finally:
        w.close()


# -- outcomes -------------------------------------------------------------------------------


def one_json_object(text: str) -> dict[str, Any]:
    """The single JSON object `text` is (raises if there is anything else)."""
    data = json.loads(text)
    assert isinstance(data, dict), type(data)
    return data


def leaks(text: str) -> list[str]:
    """Markers in `text`, and workflow commands at the start of a line (raw in a CI log)."""
    found = [m for m in (*MARKERS, *ATTACK_MARKERS) if m in text]
    found += [m for m in HIDDEN_MARKERS if m in "".join(text.split())]  # pretty-printed JSON
    found += [line[:40] for line in text.splitlines() if line.lstrip("\r").startswith("::")]
    return found


def class_scores(out: Path) -> dict[str, float]:
    scores = {}
    for path in sorted((out / "results").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        scores[data["student"]] = float(data["score"])
    return scores


def student_visible_files(out: Path) -> str:
    """Everything a class run wrote that reaches students (their results, the reports)."""
    parts = []
    for path in sorted(out.rglob("*")):
        if path.is_file() and path.name != ".grader-key":
            with contextlib.suppress(OSError, UnicodeDecodeError):
                parts.append(path.read_text(encoding="utf-8"))
    return "\n".join(parts)


@functools.cache
def baseline() -> dict[str, Any]:
    """What honest values earn, in each mode, in a clean world (computed once)."""
    with world() as w:
        zeros = HOSTILE / "zeros.py"
        single = w.grade_one(w.submission("zeros", zeros), "--format", "json")
        scores = {"single": one_json_object(single.stdout)["score"],
                  "single_rss_mb": single.rss_mb}
        (w.cls / "zeros.py").unlink()
        w.submission("alice", RIGHT)
        w.submission("bob", WRONG)
        w.submission("mallory", zeros)
        run = w.grade_class()
        scores["class"] = class_scores(w.out)
        # Not vacuous: a right file earns full marks here, the zeros do not.
        assert scores["class"]["alice"] > scores["class"]["mallory"], scores["class"]
        assert one_json_object(run.stdout)["passed"] == 1, run.stdout[-2000:]
        scores["class_rss_mb"] = run.rss_mb
        _, data = w.autograder(zeros)
        assert data is not None
        scores["gradescope"] = float(data["score"])
        return scores


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def can_mount_tmpfs() -> bool:
    return is_root() and shutil.which("unshare") is not None and sys.platform.startswith("linux")
