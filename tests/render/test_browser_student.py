"""The student's HTML report in headless Chromium: layout at 400 px and at 1280 x 800.

The answer comes first (the first diagnosis headline is on the first screen),
nothing overflows sideways on a phone, every picture has a text alternative,
text meets WCAG AA contrast, headings do not skip levels, and the page prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from normkatas.render import render
from tests.render import browser
from tests.support import REPO
from tests.support.batch import require_pipeline, run_grade
from tests.support.render import ALL, failed_layer_norm

pytestmark = pytest.mark.browser

PHONE, DESKTOP = (400, 800), (1280, 800)
HEADLINE = ".diagnosis h3"
BAD_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main>
<h1>bad</h1><h3>skipped a level</h3><p style="color:#aaaaaa">too pale</p>
<div style="width:900px">too wide</div>
<svg width="10" height="10"><rect width="10" height="10"/></svg>
</main></body></html>"""


def _arrays() -> dict[str, Any]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 4, 5))
    reference = (x - x.mean(axis=(0, 2, 3), keepdims=True)) / x.std(axis=(0, 2, 3), keepdims=True)
    yours = (x - x.mean(axis=(1, 2, 3), keepdims=True)) / x.std(axis=(1, 2, 3), keepdims=True)
    return {"random-small": (yours, reference)}


def student_pages() -> dict[str, str]:
    pages = {name: render(make(), "html") for name, make in ALL.items()}
    pages["layer_norm"] = render(failed_layer_norm(), "html", arrays=_arrays())
    return pages


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    browser.chromium()
    tmp = tmp_path_factory.mktemp("browser-student")
    wanted: list[browser.Page] = []
    for name, page in student_pages().items():
        wanted += [(f"{name}@phone", page, *PHONE), (f"{name}@desktop", page, *DESKTOP)]
    wanted.append(("bad@phone", BAD_PAGE, *PHONE))
    return browser.measure_many(wanted, tmp, select=(HEADLINE, "h1"))


NAMES = sorted(ALL)


@pytest.mark.parametrize("name", NAMES)
def test_nothing_overflows_sideways_at_400px(measured: dict[str, Any], name: str) -> None:
    page = measured[f"{name}@phone"]
    assert page["width"] == 400
    assert page["scrollWidth"] <= 400 and page["wide"] == [], page["wide"]


@pytest.mark.parametrize("name", [n for n in NAMES if ALL[n]().diagnoses])
def test_first_diagnosis_headline_above_the_fold(measured: dict[str, Any], name: str) -> None:
    for viewport in ("desktop", "phone"):
        page = measured[f"{name}@{viewport}"]
        assert page["height"] == 800
        first = page["selected"][HEADLINE][0]
        assert first["bottom"] <= 800, (viewport, first)


@pytest.mark.parametrize("name", NAMES)
def test_every_picture_has_a_text_alternative(measured: dict[str, Any], name: str) -> None:
    for viewport in ("phone", "desktop"):
        for image in measured[f"{name}@{viewport}"]["images"]:
            assert image["label"].strip() or image["hidden"], image


def test_the_report_has_pictures_of_the_mistake(measured: dict[str, Any]) -> None:
    labels = [i["label"] for i in measured["layer_norm@desktop"]["images"]]
    assert any(label.startswith("your code: 2 groups") for label in labels), labels
    assert any(label.startswith("the kata: 3 groups") for label in labels), labels
    assert sum("heatmap" in label for label in labels) == 3


@pytest.mark.parametrize("name", NAMES)
def test_contrast_and_heading_levels(measured: dict[str, Any], name: str) -> None:
    for viewport in ("phone", "desktop"):
        page = measured[f"{name}@{viewport}"]
        assert page["contrast"] == [], page["contrast"]
        assert browser.heading_jumps(page["headings"]) == [], page["headings"]
        assert page["scripts"] == 0  # the measuring script is removed from the count below


def test_the_measurements_catch_problems(measured: dict[str, Any]) -> None:
    """The checks above are not vacuous: a page with each problem fails each one."""
    bad = measured["bad@phone"]
    assert bad["scrollWidth"] > 400 and any("div" in w for w in bad["wide"])
    assert any(not i["label"] and not i["hidden"] for i in bad["images"])
    assert any(c.startswith("p ") for c in bad["contrast"])
    assert browser.heading_jumps(bad["headings"]) == [(1, 3)]


def test_the_report_prints(tmp_path: Path) -> None:
    browser.chromium()
    page = tmp_path / "report.html"
    page.write_text(student_pages()["layer_norm"], encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    browser.print_pdf(page, pdf, profile=tmp_path / "profile")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page") >= 2


@pytest.mark.slow
def test_a_real_report_with_several_mistakes_answers_first(tmp_path: Path) -> None:
    require_pipeline()
    browser.chromium()
    source = REPO / "tests" / "corpus" / "batchnorm-bchw" / "wrong_layer_norm_three_mistakes.py"
    out = tmp_path / "report.html"
    proc = run_grade([source, "--format", "html", "--output", out])
    assert proc.returncode == 1 and out.is_file(), proc.stderr
    page = out.read_text(encoding="utf-8")
    found = browser.measure_many([("phone", page, *PHONE), ("desktop", page, *DESKTOP)],
                                 tmp_path, select=(HEADLINE,))
    for viewport, data in found.items():
        headlines = data["selected"][HEADLINE]
        assert len(headlines) >= 3, viewport
        assert headlines[0]["bottom"] <= 800, (viewport, headlines[0])
        assert data["scrollWidth"] <= data["width"] and data["wide"] == [], data["wide"]
        assert data["contrast"] == [] and browser.heading_jumps(data["headings"]) == []
        assert all(i["label"] or i["hidden"] for i in data["images"])
