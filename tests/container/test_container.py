"""The container recipe, end to end: the documented `docker run` on a class folder.

Runs only where a docker daemon answers and the image is built locally
(``docker build -t normkatas .``; ``NORMKATAS_IMAGE`` names another tag), and
skips saying which of the two is missing otherwise.  The command run is
`CONTAINER_COMMAND`, the one the docs and the grader's own messages show, with
``$PWD`` standing for the class folder.

The class: right and wrong corpus files, the attack corpus of tests/security
and `probe.py`, which returns the right values only when it sees nothing of the
grader, the class folder, the installed package or the network.
"""

from __future__ import annotations

import csv
import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from normkatas.app.platform import CONTAINER_COMMAND, CONTAINER_FLAGS
from normkatas.sandbox.isolation import PROTECTION_NAMES
from tests.security.support import (
    HIDDEN_CASE,
    HOSTILE,
    KATA,
    REFERENCE_MARKER,
    RIGHT,
    hostile_source,
    leaks,
    student_visible_files,
)
from tests.support import REPO
from tests.support.procs import live_processes

pytestmark = pytest.mark.slow

IMAGE_ENV = "NORMKATAS_IMAGE"
CORPUS = REPO / "tests" / "corpus" / "batchnorm-bchw"
PROBE = Path(__file__).resolve().parent / "probe.py"
ATTACKS = ("forge_score", "daemon_escape", "sabotage", "copy_classmate", "grader_proc",
           "leak_hidden", "fill_disk", "sigstop", "giant_arrays", "patch_grader",
           "installed_packages", "read_instructor")
CAPABILITY_FLAGS = CONTAINER_FLAGS + " "
TIMEOUT = 900.0
"""Seconds the whole container run may take before the test calls it hung."""


def _image() -> str:
    return os.environ.get(IMAGE_ENV, "").strip() or "normkatas"


def _why_not() -> str | None:
    """Why the container cannot be run here (None: it can)."""
    if shutil.which("docker") is None:
        return "no docker command on PATH"
    try:
        info = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"],
                              capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return "the docker daemon did not answer `docker info`"
    if info.returncode != 0:
        return "no docker daemon reachable (`docker info` failed)"
    image = _image()
    found = subprocess.run(["docker", "image", "inspect", image],
                           capture_output=True, text=True, timeout=60)
    if found.returncode != 0:
        return (f"no local image {image!r}: build it with `docker build -t {image} .` "
                f"({IMAGE_ENV} names another tag)")
    return None


@pytest.fixture(scope="module")
def image() -> str:
    reason = _why_not()
    if reason:
        pytest.skip(reason)
    return _image()


def documented_command(class_folder: Path, image: str, *, capabilities: bool = True) -> list[str]:
    """`CONTAINER_COMMAND` as a shell would run it in ``class_folder``."""
    command = CONTAINER_COMMAND
    assert CAPABILITY_FLAGS in command
    if not capabilities:
        command = command.replace(CAPABILITY_FLAGS, "")
    words = shlex.split(command.replace("$PWD", str(class_folder)))
    assert words.count("normkatas") == 1, command  # the image's name, once
    return [image if word == "normkatas" else word for word in words]


def make_class(folder: Path, *, wrong: int, attacks: tuple[str, ...]) -> Path:
    submissions = folder / "submissions"
    submissions.mkdir(parents=True)
    files = sorted(CORPUS.glob("right_*.py")) + sorted(CORPUS.glob("wrong_*.py"))[:wrong]
    for path in files:
        shutil.copy(path, submissions / path.name)
    for name in attacks:
        (submissions / f"attack_{name}.py").write_text(hostile_source(HOSTILE / f"{name}.py"),
                                                       encoding="utf-8")
    shutil.copy(PROBE, submissions / "probe.py")
    folder.chmod(0o755)
    return submissions


def add_private_kata(folder: Path) -> None:
    """``katas/`` and ``solutions/`` in the class folder, readable by everyone (only the
    filesystem view keeps them from the jobs): the kata with a hidden case carrying
    marker values, and a reference with a marker comment."""
    source = (REPO / "katas" / f"{KATA}.yaml").read_text(encoding="utf-8")
    (folder / "katas").mkdir()
    (folder / "katas" / f"{KATA}.yaml").write_text(source.rstrip("\n") + "\n" + HIDDEN_CASE,
                                                    encoding="utf-8")
    (folder / "solutions").mkdir()
    (folder / "solutions" / "batchnorm_bchw.py").write_text(f"# {REFERENCE_MARKER}\n" + RIGHT,
                                                             encoding="utf-8")


def run_container(argv: list[str], folder: Path) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(argv, cwd=folder, capture_output=True, text=True,
                              timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as hung:
        raise AssertionError(f"the container run hung: {hung}") from None


def gradebook(folder: Path) -> dict[str, dict[str, str]]:
    with open(folder / "graded" / "gradebook.csv", newline="", encoding="utf-8") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def assert_nothing_survives(folder: Path, image: str) -> None:
    left = subprocess.run(["docker", "ps", "-aq", "--filter", f"ancestor={image}"],
                          capture_output=True, text=True, timeout=60)
    assert left.stdout.strip() == "", f"containers left: {left.stdout}"
    marker = str(folder).encode()
    assert [p for p in live_processes() if marker in p.cmdline or marker in p.cwd] == []


def test_documented_command_grades_a_class_with_every_protection(
        tmp_path: Path, image: str) -> None:
    make_class(tmp_path, wrong=12, attacks=ATTACKS)
    add_private_kata(tmp_path)
    argv = [*documented_command(tmp_path, image), "--katas-dir", "katas"]
    result = run_container(argv, tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output  # documented: 1 when not all passed
    assert "warning" not in result.stderr, result.stderr  # no protection is missing
    assert "sandbox" not in output, output
    book = gradebook(tmp_path)
    assert len(book) == len(list((tmp_path / "submissions").iterdir()))
    for student, row in book.items():
        assert row["max_score"] == "34", row  # the private kata: 29 points and its hidden 5
        if student.startswith("right_") or student == "probe":
            assert row["status"] == "passed", (student, row, output)
        elif student.startswith("wrong_"):
            assert row["status"] != "passed", (student, row)
        else:  # an attack earns what its values earn: zeros earn nothing
            assert student.startswith("attack_") and row["score"] == "0", (student, row)
    assert leaks(output) == []
    assert leaks(student_visible_files(tmp_path / "graded")) == []
    assert_nothing_survives(tmp_path, image)


def test_without_the_capabilities_the_operator_is_told_what_is_missing(
        tmp_path: Path, image: str) -> None:
    make_class(tmp_path, wrong=2, attacks=())
    result = run_container(documented_command(tmp_path, image, capabilities=False), tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode in (0, 1), output
    missing = ("pid-namespace", "filesystem-view", "network", "ipc")
    for name in missing:
        assert PROTECTION_NAMES[name] in result.stderr, (name, result.stderr)
    assert PROTECTION_NAMES["identity"] not in result.stderr  # a uid per job, still
    book = gradebook(tmp_path)
    assert all(row["status"] == "passed" for s, row in book.items() if s.startswith("right_"))
    assert all(row["status"] != "passed" for s, row in book.items() if s.startswith("wrong_"))
    assert_nothing_survives(tmp_path, image)
