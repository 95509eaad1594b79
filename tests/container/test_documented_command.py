"""Every place that shows the container command shows the one tests/container runs."""

from __future__ import annotations

import pytest

from normkatas.app.platform import CONTAINER_BUILD, CONTAINER_COMMAND
from tests.support import REPO


@pytest.mark.parametrize("doc", ["README.md", "docs/security.md", "Dockerfile"])
def test_docs_show_the_command_that_is_tested(doc: str) -> None:
    text = (REPO / doc).read_text(encoding="utf-8")
    assert CONTAINER_COMMAND in text
    assert CONTAINER_BUILD in text
    assert text.count("docker run") == 1, "one container command, not two that differ"


def test_instructor_guide_adds_only_the_kata_folder() -> None:
    text = (REPO / "classroom" / "INSTRUCTOR.md").read_text(encoding="utf-8")
    with_katas = CONTAINER_COMMAND.replace(" --out ", " --katas-dir instructor/katas --out ")
    assert with_katas in text and text.count("docker run") == 1


def test_the_base_image_is_a_build_argument_defaulting_to_the_official_one() -> None:
    lines = (REPO / "Dockerfile").read_text(encoding="utf-8").splitlines()
    assert "ARG BASE=python:3.12-slim" in lines
    assert [line for line in lines if line.startswith("FROM ")] == ["FROM ${BASE}"]
