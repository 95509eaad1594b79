"""The HTML page: self-contained, accessible, escaped, with heatmaps that are valid SVG."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from typing import Any

import numpy as np
import pytest

from normkatas.render import render
from normkatas.render._heatmap import NAN_COLOUR, PALETTE, colour
from tests.support.render import (
    ALL,
    HIDDEN_SECRETS,
    SCRIPT,
    failed_layer_norm,
    hidden_failing,
    hostile,
)

VOID = {"meta", "br", "hr", "img", "input", "link", "rect", "col", "wbr"}
SVG_NS = "{http://www.w3.org/2000/svg}"


class Page(HTMLParser):
    """Collects tags and checks that every non-void element is closed in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    assert page.stack == [], page.stack
    return page


def _arrays() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 4, 5))
    reference = (x - x.mean(axis=(0, 2, 3), keepdims=True)) / x.std(axis=(0, 2, 3), keepdims=True)
    yours = (x - x.mean(axis=(1, 2, 3), keepdims=True)) / x.std(axis=(1, 2, 3), keepdims=True)
    return yours, reference


def svgs(html: str, kind: str = "heatmap") -> list[ET.Element]:
    """The heatmaps (or, with kind="groups", the pictures of who shares a statistic)."""
    found = [ET.fromstring(s) for s in re.findall(r"<svg\b.*?</svg>", html, re.S)]
    return [s for s in found if (s.get("class") == "groups") == (kind == "groups")]


@pytest.mark.parametrize("name", sorted(ALL))
def test_well_formed_self_contained_and_accessible(name: str) -> None:
    html = render(ALL[name](), "html")
    assert html.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
    page = parse(html)
    tags = [t for t, _ in page.tags]
    assert "script" not in tags and "iframe" not in tags and "link" not in tags
    assert "style" in tags and tags.count("h1") == 1 and "h2" in tags
    for _, attrs in page.tags:
        assert not any(a.startswith("on") for a in attrs), attrs
        assert "src" not in attrs and not str(attrs.get("href", "")).startswith("http")
    for tag, attrs in page.tags:
        if tag == "th":
            assert attrs.get("scope") in ("col", "row")
    assert "\x1b" not in html


def test_student_text_is_escaped() -> None:
    html = render(hostile(), "html")
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>1</b>" not in html and "<i>1D</i>" not in html
    page = parse(html)
    assert SCRIPT in "".join(page.text)  # shown to the reader as text


def test_same_content_as_the_text_report() -> None:
    text = " ".join(parse(render(failed_layer_norm(), "html")).text)
    for expected in (
        "score 1/7", "failed: 1 of 3 cases pass", "Y: 24 of 24 elements differ",
        "error[layer-norm]", "statistics computed per sample over C, H, W instead of per channel",
        "mean = X.mean(axis=(1, 2, 3), keepdims=True)", "smallest input that shows it",
        "your program printed (first 47 bytes of 5120)", "slower than the reference",
        "hidden case: details are not shown",
    ):
        assert expected in text, expected


def test_heatmaps_for_failing_visible_cases() -> None:
    yours, reference = _arrays()
    html = render(failed_layer_norm(), "html",
                  arrays={"random-small": (yours, reference), "wide-float32": (yours, reference),
                          "seed-example-1": (yours, reference)})
    parse(html)
    maps = svgs(html)
    assert len(maps) == 3  # expected, yours, difference of random-small only
    scales, ends = [], []
    for svg in maps:
        assert svg.tag == f"{SVG_NS}svg" and svg.get("role") == "img"
        assert svg.find(f"{SVG_NS}title") is not None
        rects = svg.findall(f"{SVG_NS}rect")
        # 2 samples x 3 channels x 4 x 5 cells, plus the legend
        assert len(rects) == 2 * 3 * 4 * 5 + len(PALETTE)
        cells = [str(r.get("fill")) for r in rects[: -len(PALETTE)]]
        assert all(re.fullmatch(r"#[0-9a-f]{6}", f) for f in cells)
        ends.append({colour(-1.0), colour(1.0)} & set(cells))
        assert [r.get("fill") for r in rects[-len(PALETTE) :]] == list(PALETTE)
        texts = [t.text or "" for t in svg.iter(f"{SVG_NS}text")]
        assert re.fullmatch(r"min -?[\d.e+-]+, max -?[\d.e+-]+", texts[-1])
        low, high = texts[-3:-1]
        assert float(low) == -float(high)
        scales.append(high)
    assert scales[0] == scales[1]  # expected and yours share one colour scale
    # the largest magnitude takes an end of the palette (symmetric scale around zero)
    assert ends[0] | ends[1] and ends[2]
    assert "yours minus expected" in html


def test_no_difference_panel_when_shapes_differ_and_nan_is_grey() -> None:
    yours = np.full((2, 3), np.nan)
    reference = np.zeros((2, 3, 1))
    html = render(failed_layer_norm(), "html", arrays={"random-small": {"Y": (yours, reference)}})
    maps = svgs(html)
    assert len(maps) == 2
    assert NAN_COLOUR in {r.get("fill") for r in maps[1].iter(f"{SVG_NS}rect")}


@pytest.mark.parametrize(
    "bad", [np.array([1 + 2j, 3j]), np.array(["a", "b"]), np.zeros((0, 3)), [[1, 2], [3]]]
)
def test_arrays_that_cannot_be_drawn_are_skipped(bad: object) -> None:
    arrays: dict[str, Any] = {"random-small": (bad, np.zeros(2))}
    html = render(failed_layer_norm(), "html", arrays=arrays)
    assert svgs(html) == []


def test_integer_and_boolean_arrays_are_drawn() -> None:
    html = render(failed_layer_norm(), "html",
                  arrays={"random-small": (np.array([True, False]), np.arange(2))})
    assert len(svgs(html)) == 3


def test_large_arrays_are_cropped() -> None:
    big = np.arange(10 * 8 * 40 * 40, dtype=float).reshape(10, 8, 40, 40)
    html = render(failed_layer_norm(), "html", arrays={"random-small": (big, big + 1)})
    rects = svgs(html)[0].findall(f"{SVG_NS}rect")
    assert len(rects) == 4 * 4 * 16 * 16 + len(PALETTE)
    assert "the first samples, channels and positions only" in html


def test_palette_is_diverging_and_symmetric() -> None:
    assert colour(0.0) == PALETTE[len(PALETTE) // 2]
    assert colour(-5.0) == PALETTE[0] and colour(5.0) == PALETTE[-1]
    assert colour(float("nan")) == NAN_COLOUR


def test_hidden_cases_show_no_data_even_with_arrays() -> None:
    yours, reference = _arrays()
    html = render(hidden_failing(), "html", verbose=True,
                  arrays={"secret-1": (yours, reference), "secret-2": (yours, reference)})
    assert svgs(html) == []
    for secret in HIDDEN_SECRETS:
        assert secret not in html


def _with_groups(reduced: list[int], expected: list[int], groups: int | None,
                 expected_groups: int | None) -> str:
    import msgspec

    result = failed_layer_norm()
    d = msgspec.structs.replace(result.diagnoses[0], reduced_axes=reduced, expected_axes=expected,
                                layout="NCHW", groups=groups, expected_groups=expected_groups)
    return render(msgspec.structs.replace(result, diagnoses=[d]), "html")


def test_picture_of_who_shares_a_statistic() -> None:
    html = _with_groups([1, 2, 3], [0, 2, 3], None, None)
    yours, kata = svgs(html, "groups")
    for svg in (yours, kata):
        assert svg.get("role") == "img" and svg.get("aria-label")
        assert svg.find(f"{SVG_NS}title") is not None
    # 2 samples x 3 channels x 3 x 3 elements (the counterexample is smaller)
    cells = [r for r in yours.iter(f"{SVG_NS}rect")]
    assert len(cells) == 2 * 3 * 3 * 3
    assert len({r.get("fill") for r in cells}) == 2  # one group per sample
    assert len({r.get("fill") for r in kata.iter(f"{SVG_NS}rect")}) == 3  # one per channel
    assert str(yours.get("aria-label")).startswith("your code: 2 groups")
    assert "(one group per N)" in str(yours.get("aria-label"))


def test_group_norm_picture_cuts_channels_into_blocks() -> None:
    yours, kata = svgs(_with_groups([1, 2, 3], [1, 2, 3], 3, 2), "groups")
    assert "C=6" in str(yours.get("aria-label"))  # channels both groupings cut evenly
    assert str(yours.get("aria-label")).startswith("your code: 6 groups")
    assert str(kata.get("aria-label")).startswith("the kata: 4 groups")
    assert "one group per N and block of channels" in str(kata.get("aria-label"))


def test_no_picture_without_axes() -> None:
    assert svgs(render(ALL["unbiased"](), "html"), "groups") == []


def test_answer_first_and_details_folded_once() -> None:
    html = render(failed_layer_norm(), "html")
    assert html.index("what to fix") < html.index('id="cases-heading"')
    headline = html.index("statistics computed per sample over C, H, W")
    assert headline < html.index("<table>")
    assert html.count("<details>") == 1  # random-small; the hidden case shows nothing


def test_cases_that_fail_the_same_way_are_shown_once() -> None:
    import msgspec

    result = failed_layer_norm()
    failing = next(c for c in result.cases if c.name == "random-small")
    copies = [msgspec.structs.replace(failing, name=f"random-{i}") for i in range(5)]
    html = render(msgspec.structs.replace(result, cases=[*result.cases, *copies]), "html")
    assert html.count("<details>") == 1
    assert "random-small, random-0, random-1, random-2, random-3, random-4" in html
    assert html.count("first mismatched elements of Y") == 1


def test_a_passing_report_has_no_empty_details_column() -> None:
    html = render(ALL["passed"](), "html")
    assert '<th scope="col">details</th>' not in html
    assert '<th scope="col">details</th>' in render(failed_layer_norm(), "html")
