"""The HTML class report: self-contained, escaped, charts inline; rendered by Chromium."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from tests.support.batch import make_result

SCRIPT = "<script>alert('pwned')</script>"


def _report() -> str:
    from normkatas.render.classbook import render_class_html
    from normkatas.report.class_summary import student_summary, summarize

    results = {
        "alice": make_result(submission="alice.py"),
        "bob": make_result(submission="bob.py", cases=(("a", "passed"), ("b", "failed")),
                           diagnoses=(("layer-norm", "normalized per sample"),)),
        "mallory": make_result(submission=f"{SCRIPT}.py", cases=(("a", "error"), ("b", "error")),
                               message=SCRIPT, stdout=SCRIPT, hidden=("b",)),
    }
    names = {"alice": "alice", "bob": "bob", "mallory": f"mal{SCRIPT}"}
    students = [student_summary(names[k], k, "0" * 64, r) for k, r in results.items()]
    return render_class_html(summarize(students, results, duration_s=2.0), results)


def test_report_is_self_contained_with_inline_svg_charts() -> None:
    html = _report()
    assert html.startswith("<!DOCTYPE html>")
    assert html.count("<svg") >= 1 and html.count('class="bar"') >= 3
    assert "<script" not in html.lower()
    assert "<style>" in html
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=", html)
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", html)
    assert "1 of 3 normalized per sample (layer-norm)" in html


def test_every_student_links_to_their_details() -> None:
    html = _report()
    for key in ("alice", "bob", "mallory"):
        assert f'href="#student-{key}"' in html
        assert f'id="student-{key}"' in html


def test_student_text_is_escaped() -> None:
    html = _report()
    assert "<script" not in html
    assert "&lt;script&gt;" in html


def _chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.mark.browser
def test_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    chromium = _chromium()
    if chromium is None:
        pytest.skip("Chromium is not installed")
    page = tmp_path / "class-report.html"
    page.write_text(_report(), encoding="utf-8")
    png = tmp_path / "report.png"
    proc = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
         f"--screenshot={png}", "--window-size=1280,2000", page.as_uri()],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert png.is_file(), proc.stderr[-2000:]
    width, height, pixels = _png(png.read_bytes())
    assert (width, height) == (1280, 2000)
    # A blank page compresses to a handful of distinct bytes; text and charts do not.
    assert len(set(pixels)) > 50


def _png(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and the decompressed (still filtered) pixel rows of a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, width, height, idat = 8, 0, 0, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return width, height, zlib.decompress(idat)
