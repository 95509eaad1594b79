"""The public API of normkatas.render: formats, dispatch, lazy imports."""

from __future__ import annotations

import subprocess
import sys

import pytest

from normkatas.render import FORMATS, render
from tests.support import REPO
from tests.support.render import ALL


def test_formats_are_the_documented_ones() -> None:
    assert FORMATS == (
        "text", "json", "markdown", "html", "junit", "gradescope", "github", "classroom",
        "exercism", "sarif",
    )


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", sorted(ALL))
def test_every_format_renders_every_result(fmt: str, name: str) -> None:
    text = render(ALL[name](), fmt)
    assert isinstance(text, str) and text.endswith("\n")
    text.encode("utf-8")  # no lone surrogates reach any output


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown format 'yaml'"):
        render(ALL["passed"](), "yaml")


def test_color_only_in_text() -> None:
    for fmt in FORMATS:
        if fmt != "text":
            assert "\x1b" not in render(ALL["layer_norm"](), fmt, color=True)


_PROBE = """
import sys
sys.path.insert(0, {repo!r})
import tests.support.render as render_fixtures
from normkatas.render import render
for fmt in {formats!r}:
    render(render_fixtures.failed_layer_norm(), fmt)
print("jinja2" in sys.modules)
"""


@pytest.mark.parametrize(
    ("formats", "loads_jinja"),
    [
        (("json",), False),
        (("text", "json", "gradescope", "classroom", "exercism", "github"), False),
        (("markdown",), True),
    ],
)
def test_jinja2_is_imported_only_by_template_formats(
    formats: tuple[str, ...], loads_jinja: bool
) -> None:
    code = _PROBE.format(repo=str(REPO), formats=formats)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == str(loads_jinja)
