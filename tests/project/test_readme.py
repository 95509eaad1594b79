"""The README's promises: its commands, its kata table and its example report stay true."""

from __future__ import annotations

import re

import pytest

from normkatas.spec.library import KataLibrary
from tests.support import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_two_set_up_commands() -> None:
    blocks = re.findall(r"```sh\n(.*?)\n```", README, flags=re.S)
    install, tests = blocks[0], blocks[1]
    assert "pip install ." in install and "grade examples/" in install
    assert "pytest" in tests
    assert "<!-- test-command -->" in README.split(tests)[0][-200:]
    example = install.split("grade ")[-1].split()[0]
    assert (REPO / example).is_file()


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "test-command" in ci and "venv" in ci


def test_kata_table_lists_every_bundled_kata() -> None:
    for kata in KataLibrary.from_dirs().all():
        assert f"`{kata.id}`" in README, kata.id
        assert f"`{kata.entry}(" in README, kata.entry


@pytest.mark.slow
def test_example_report_is_what_grade_prints() -> None:
    from tests.e2e.conftest import run_grade

    shown = re.search(r"```text\n(error\[.*?)\n```", README, flags=re.S)
    assert shown is not None, "README has no example report"
    proc = run_grade(["examples/batchnorm_mistakes.py"], cwd=REPO)
    assert proc.returncode == 1
    assert shown.group(1) in proc.stdout
