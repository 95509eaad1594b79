"""The HTML class report in headless Chromium: responsive down to 400 px.

Every histogram bin and every column stays on screen, nothing overflows
sideways, headings do not skip levels, pictures have text alternatives.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from normkatas.report.class_summary import ClassSummary, StudentSummary, student_summary, summarize
from normkatas.report.insights import regrade
from normkatas.report.result import Result
from tests.render import browser
from tests.support.batch import make_result

pytestmark = pytest.mark.browser

CASES = [(f"case-{i}-with-a-rather-long-descriptive-name", "passed") for i in range(8)]


def _class() -> tuple[ClassSummary, dict[str, Result]]:
    results: dict[str, Result] = {}
    students: list[StudentSummary] = []
    for i in range(53):
        name = f"student-{i:02d}" if i % 7 else f"a-student-with-a-very-long-name-{i:02d}"
        failing = i % 10
        cases = [(c, "failed" if j < failing else s) for j, (c, s) in enumerate(CASES)]
        if i % 13 == 5:
            cases = [(c, "error") for c, _ in CASES]
        diagnoses = [("layer-norm", "statistics computed per sample over C, H, W"),
                     ("unbiased-variance", "variance divided by m - 1 instead of m")][: i % 3]
        kata = "batchnorm-bchw" if i % 4 else "layernorm-bchw"
        result = make_result(submission=f"{name}.py", kata=kata, cases=cases,
                             diagnoses=diagnoses, hidden=(CASES[-1][0],))
        digest = {c: f"d{i % 2 if i < 4 else i}-{c}" for c, _ in CASES}
        results[name] = msgspec.structs.replace(result, fingerprint=digest)
        students.append(student_summary(name, name, f"{i:064x}", results[name]))
    students.append(StudentSummary(student="no-kata-student", key="unmatched-1", file="x.py",
                                   status="unmatched", message="defines no function"))
    summary = summarize(students, results, duration_s=3.0)
    earlier = {k: msgspec.structs.replace(r, score=r.score + 1) for k, r in results.items()}
    before = [student_summary(s.student, s.key, s.sha256, earlier[s.key])
              for s in students if s.key in earlier]
    change = regrade(summarize(before, earlier), summary)
    assert len(change.changes) == 53
    insights = msgspec.structs.replace(summary.insights, regrade=change)
    return msgspec.structs.replace(summary, insights=insights), results


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    from normkatas.render.classbook import render_class_html

    browser.chromium()
    summary, results = _class()
    page = render_class_html(summary, results)
    tmp = tmp_path_factory.mktemp("browser-class")
    return browser.measure_many(
        [("phone", page, 400, 800), ("desktop", page, 1280, 800)], tmp,
        select=("rect.bar-hist", "td.num", "th", "svg text"),
    )


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_no_horizontal_overflow_and_every_bin_and_column_on_screen(
    measured: dict[str, Any], viewport: str
) -> None:
    page = measured[viewport]
    width = page["width"]
    assert page["scrollWidth"] <= width and page["wide"] == [], page["wide"]
    bins = page["selected"]["rect.bar-hist"]
    assert len(bins) == 10 * 3  # all katas, then two katas, ten bins each
    for selector in ("rect.bar-hist", "td.num", "th", "svg text"):
        for box in page["selected"][selector]:
            if box["width"]:
                assert box["left"] >= 0 and box["right"] <= width, (selector, box)


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_headings_pictures_and_contrast(measured: dict[str, Any], viewport: str) -> None:
    page = measured[viewport]
    assert browser.heading_jumps(page["headings"]) == [], page["headings"]
    assert all(i["label"].strip() or i["hidden"] for i in page["images"]), page["images"]
    assert page["contrast"] == [], page["contrast"]
