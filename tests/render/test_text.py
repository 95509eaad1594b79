"""The terminal report: snapshots of what students read, and the rules it keeps."""

from __future__ import annotations

import re

import msgspec
import pytest

from normkatas.render import render
from normkatas.render.text import case_text
from tests.support.render import (
    ALL,
    HIDDEN_SECRETS,
    assert_snapshot,
    failed_layer_norm,
    hidden_failing,
    hostile,
    syntax_error,
    timeout,
    unbiased_variance,
)

SGR = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.parametrize("name", sorted(ALL))
def test_snapshot(name: str) -> None:
    assert_snapshot(f"text_{name}.txt", render(ALL[name](), "text"))


@pytest.mark.parametrize("name", ["layer_norm", "unbiased", "syntax_error", "hostile"])
def test_snapshot_in_colour(name: str) -> None:
    assert_snapshot(f"text_color_{name}.txt", render(ALL[name](), "text", color=True))


def test_snapshot_verbose() -> None:
    assert_snapshot("text_verbose_layer_norm.txt",
                    render(failed_layer_norm(), "text", verbose=True))


@pytest.mark.parametrize("name", sorted(ALL))
@pytest.mark.parametrize("color", [False, True])
def test_no_control_characters_but_our_colours(name: str, color: bool) -> None:
    text = SGR.sub("", render(ALL[name](), "text", color=color, verbose=True))
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", text)
    if not color:
        assert "\x1b" not in render(ALL[name](), "text")


def test_student_escape_sequences_are_shown_not_executed() -> None:
    text = render(hostile(), "text", color=True)
    assert "\\x1b[2J" in text and "\\x1b]8;;http://evil.example\\x07" in text
    assert "\\x00" in text and "\\x0doverwrite" in text and "\\u202e" in text
    assert "sölution:名前,v%2.py" in text  # non-ASCII file names are fine as they are
    for seq in re.findall(r"\x1b[^m]*m?", text):
        assert SGR.fullmatch(seq), repr(seq)


@pytest.mark.parametrize("name", ["passed", "layer_norm", "unbiased", "syntax_error", "timeout"])
def test_lines_fit_in_100_columns(name: str) -> None:
    for line in render(ALL[name](), "text", verbose=True).splitlines():
        assert len(line) <= 100, line


def test_header_cases_score_and_verdict() -> None:
    lines = render(failed_layer_norm(), "text").splitlines()
    assert lines[0] == "batchnorm-bchw: Batch normalization of a BCHW feature map (my_solution.py)"
    assert lines[-2] == "score: 1/7"
    assert lines[-1] == "failed: 1 of 3 cases pass"
    text = "\n".join(lines)
    assert re.search(r"^  PASS +seed-example-1 \(example\) +1/1$", text, re.M)
    assert re.search(r"^  FAIL +wide-float32 \(hidden\) +0/4$", text, re.M)


def test_failure_shows_the_comparison() -> None:
    text = render(failed_layer_norm(), "text")
    assert "Y: 24 of 24 elements differ" in text
    assert "max abs diff 1.732, max rel diff 3.142 (rtol 1e-05, atol 1e-06)" in text
    table = [line.strip() for line in text.splitlines() if " | " in line and "(0," in line]
    assert table[0] == "(0, 0, 0, 0) |  0.4286012 | -1.224745"
    assert len({line.index("|") for line in table}) == 1  # aligned columns
    assert "your program printed (first 47 bytes of 5120):" in text


def test_shapes_are_shown_when_they_differ() -> None:
    assert "shapes differ: yours (4,), reference (4, 1)" in render(hostile(), "text")


def test_diagnosis_in_compiler_style() -> None:
    text = render(failed_layer_norm(), "text")
    block = text[text.index("error[layer-norm]") :]
    lines = block.splitlines()
    assert lines[0] == (
        "error[layer-norm]: statistics computed per sample over C, H, W instead of per channel"
    )
    assert lines[1] == " --> my_solution.py:7:19"
    assert lines[3] == "7 |     mean = X.mean(axis=(1, 2, 3), keepdims=True)"
    caret = lines[4]
    start = caret.index("^")
    assert lines[3][start:].startswith("axis=(1, 2, 3)")
    assert caret.count("^") == len("axis=(1, 2, 3)")
    # The notes spell the axes out, so no separate axes line repeats them.
    assert "  = axes:" not in block
    assert "  = evidence: per-channel mean of the output: yours [0.213, -0.402, 0.189]" in block
    assert "  = help: reduce over the batch and spatial axes" in block
    assert "      mean = X.mean(axis=(0, 2, 3), keepdims=True)" in block
    assert "  = smallest input that shows it:" in block
    assert "      reference: [[[[-1.]], [[-1.]]], [[[1.]], [[1.]]]]" in block


def test_axes_line_stands_in_when_a_diagnosis_has_no_notes() -> None:
    result = failed_layer_norm()
    diagnoses = [msgspec.structs.replace(d, notes=[]) for d in result.diagnoses]
    text = render(msgspec.structs.replace(result, diagnoses=diagnoses), "text")
    assert "  = axes: your code reduces over axes (1, 2, 3) = C, H, W;" in text


def test_likely_diagnosis_is_a_warning_that_says_probably() -> None:
    text = render(unbiased_variance(), "text")
    assert "warning[unbiased-variance]: probably variance computed with ddof=1" in text
    # the tab in the student's line is expanded and the carets follow it
    source = next(line for line in text.splitlines() if line.startswith("9 | "))
    caret = text.splitlines()[text.splitlines().index(source) + 1]
    assert source[caret.index("^") :].startswith("ddof=1")


def test_syntax_error_points_at_the_column() -> None:
    text = render(syntax_error(), "text")
    assert "error[syntax-error]: the file could not be parsed" in text
    lines = text.splitlines()
    i = lines.index("3 |     mean = X.mean(axis=(0, 2, 3)")
    assert lines[i + 1].endswith("^ SyntaxError: '(' was never closed")
    assert lines[i][lines[i + 1].index("^")] == "("
    assert text.count("was never closed") == 1  # once, not once per case
    assert text.endswith("error: the submission could not be run\n")


def test_errors_per_case_are_not_repeated() -> None:
    text = render(timeout(), "text")
    assert text.count("time limit exceeded: no result after 10 s") == 1
    assert "same error as random" in text
    assert "ZeroDivisionError: float division by zero" in text
    assert "at my_solution.py:12 in helper" in text
    assert "your function changed its argument X in place" in text


def test_hidden_cases_show_no_data() -> None:
    text = render(hidden_failing(), "text", verbose=True)
    assert "hidden case: details are not shown" in text
    assert "raised ValueError" in text
    for secret in HIDDEN_SECRETS:
        assert secret not in text


def test_case_text_is_standalone() -> None:
    result = timeout()
    text = case_text(result, result.cases[2])
    assert "time limit exceeded: no result after 10 s" in text  # not "same error as"


def test_headlines_are_lowercase_without_trailing_period() -> None:
    for name in ALL:
        for line in render(ALL[name](), "text").splitlines():
            m = re.match(r"^(error|warning|note)(\[[^\]]+\])?: (.*)$", line)
            if m and "<script>" not in line:
                assert not m.group(3).endswith("."), line
                assert m.group(3)[:1] == m.group(3)[:1].lower(), line


def test_case_text_shows_a_diagnosis_in_full_once_per_session() -> None:
    from normkatas.render.text import case_text

    result = failed_layer_norm()
    failing = [c for c in result.cases if c.status == "failed" and not c.hidden]
    explained: set[str] = set()
    first = case_text(result, failing[0], explained=explained)
    assert "= help:" in first and "layer-norm" in explained
    again = case_text(result, failing[0], explained=explained)
    assert "= help:" not in again and "(explained above)" in again
