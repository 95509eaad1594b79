"""Markdown for PR comments and step summaries: tables and fences that survive student text."""

from __future__ import annotations

import re

import pytest

from normkatas.render import render
from normkatas.render.github import step_summary
from tests.support.render import (
    ALL,
    HIDDEN_SECRETS,
    SCRIPT,
    assert_snapshot,
    failed_layer_norm,
    hidden_failing,
    hostile,
)

FENCE = re.compile(r"^(`{3,})(\w*)$")


@pytest.mark.parametrize("name", sorted(ALL))
def test_snapshot(name: str) -> None:
    assert_snapshot(f"markdown_{name}.txt", render(ALL[name](), "markdown"))


def _blocks(text: str) -> tuple[list[str], list[str]]:
    """(lines outside fenced code, contents of fenced blocks); fails on an unclosed fence."""
    outside: list[str] = []
    blocks: list[str] = []
    fence: str | None = None
    body: list[str] = []
    for line in text.splitlines():
        m = FENCE.match(line)
        if fence is None and m:
            fence, body = m.group(1), []
        elif fence is not None and line == fence:
            blocks.append("\n".join(body))
            fence = None
        elif fence is not None:
            body.append(line)
        else:
            outside.append(line)
    assert fence is None, "unclosed code fence"
    return outside, blocks


@pytest.mark.parametrize("name", sorted(ALL))
def test_fences_close_and_tables_keep_their_columns(name: str) -> None:
    outside, _ = _blocks(render(ALL[name](), "markdown"))
    table = [line for line in outside if line.startswith("|")]
    if table:
        widths = {len(re.split(r"(?<!\\)\|", line)) for line in table}
        assert widths in ({6}, {5}), table  # 4 columns (3 when no case has details)


def test_student_text_is_escaped_outside_code() -> None:
    text = render(hostile(), "markdown")
    outside, blocks = _blocks(text)
    joined = "\n".join(outside)
    assert SCRIPT not in joined and "&lt;script&gt;" in joined
    assert "\x1b" not in text and "\\x1b" in joined
    assert "\\| pipes \\|" in joined and "\\*stars\\*" in joined
    # inside code blocks the text stays literal, and a ``` in it cannot close the fence
    assert any("y = gamma * x_hat + beta  # ``` </pre>" in b for b in blocks)
    assert any(SCRIPT in b for b in blocks)


def test_sections() -> None:
    text = render(ALL["layer_norm"](), "markdown")
    assert text.startswith("## ❌ batchnorm-bchw: Batch normalization of a BCHW feature map\n")
    assert "**score 1/7** · failed: 1 of 3 cases pass" in text
    assert "| ❌ FAIL | random-small | 0/2 | Y: 24 of 24 elements differ |" in text
    assert "### error[layer-norm]: statistics computed per sample" in text
    assert "```python\nmean = X.mean(axis=(0, 2, 3), keepdims=True)" in text


def test_hidden_cases_show_no_data() -> None:
    text = render(hidden_failing(), "markdown", verbose=True)
    for secret in HIDDEN_SECRETS:
        assert secret not in text


def test_step_summary_is_the_markdown_report() -> None:
    result = ALL["layer_norm"]()
    assert step_summary(result) == render(result, "markdown")


def test_answer_first_then_the_table_then_folded_details() -> None:
    text = render(failed_layer_norm(), "markdown")
    headline = text.index("### error[layer-norm]")
    fix = text.index("**help**")
    smallest = text.index("**smallest input that shows it**")
    table = text.index("| | case | points |")
    details = text.index("<details><summary>random-small")
    assert headline < fix < smallest < table < details


def test_step_summary_has_the_same_order() -> None:
    summary = step_summary(failed_layer_norm())
    assert summary.index("### error[layer-norm]") < summary.index("| | case | points |")


def test_cases_that_fail_the_same_way_are_folded_once() -> None:
    import msgspec

    result = failed_layer_norm()
    failing = next(c for c in result.cases if c.name == "random-small")
    copies = [msgspec.structs.replace(failing, name=f"random-{i}") for i in range(3)]
    text = render(msgspec.structs.replace(result, cases=[*result.cases, *copies]), "markdown")
    assert text.count("<details><summary>random-small") == 1
    assert "random-small, random-0, random-1, random-2: fail the same way as random-small" in text
    assert text.count("index        |") == 1
