"""Headless Chromium for the report tests: layout measured in a real browser.

A report is never changed: the page measured is a *copy* of it with a small
script appended that measures the layout and writes the numbers into the DOM
as JSON, which ``chromium --headless --dump-dom`` then prints.  Headless
Chromium's window has a minimum width and its own toolbar height, so the copy
is shown in an ``<iframe srcdoc>`` of exactly the viewport measured (same
origin: the script hands its numbers to the outer page).  Screenshots
use ``--screenshot``.  Every run gets a fresh profile and no network.

`chromium()` returns the browser, or skips the test saying why: Chromium is
installed by ``.ci/run`` (Debian's ``chromium`` package), so a skip means it
could not be installed on this machine.
"""

from __future__ import annotations

import html as html_lib
import itertools
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
    "--hide-scrollbars", "--mute-audio", "--disable-features=Translate",
)
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT = 120

MEASURE = r"""
<script>
(function () {
  function rgba(text) {
    var m = text.match(/rgba?\(([^)]+)\)/);
    if (!m) { return null; }
    var p = m[1].split(',').map(function (s) { return parseFloat(s); });
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  }
  function lum(c) {
    var v = c.slice(0, 3).map(function (x) {
      x = x / 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
  }
  function background(el) {
    for (var e = el; e && e.nodeType === 1; e = e.parentElement) {
      var c = rgba(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0.5) { return c; }
    }
    return [255, 255, 255, 1];
  }
  function describe(el) {
    var cls = typeof el.className === 'string' && el.className ? el.className : '';
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (cls ? '.' + cls.split(' ').join('.') : '');
  }
  var width = window.innerWidth, height = window.innerHeight;
  var wide = [];
  document.querySelectorAll('main *').forEach(function (el) {
    var r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > width + 1 || r.left < -1)) {
      wide.push(describe(el) + ' right=' + Math.round(r.right) + ' ' +
                (el.textContent || '').slice(0, 60));
    }
  });
  var images = [];
  document.querySelectorAll('svg, img, canvas, picture, [role=img]').forEach(function (el) {
    if (el.parentElement && el.parentElement.closest('svg')) { return; }
    var title = el.querySelector ? el.querySelector(':scope > title') : null;
    images.push({
      tag: describe(el),
      label: el.getAttribute('aria-label') || el.getAttribute('alt') ||
        (title ? title.textContent : '') || '',
      hidden: el.getAttribute('aria-hidden') === 'true',
      role: el.getAttribute('role') || ''
    });
  });
  var contrast = [];
  document.querySelectorAll('main *').forEach(function (el) {
    if (el.closest('svg')) { return; }
    var own = Array.prototype.some.call(el.childNodes, function (n) {
      return n.nodeType === 3 && n.textContent.trim();
    });
    if (!own) { return; }
    var r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) { return; }
    var s = getComputedStyle(el), fg = rgba(s.color), bg = background(el);
    var a = lum(fg), b = lum(bg), ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    var size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight, 10) >= 700;
    var need = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
    if (ratio < need) { contrast.push(describe(el) + ' ' + ratio.toFixed(2)); }
  });
  function rects(selector) {
    return Array.prototype.map.call(document.querySelectorAll(selector), function (el) {
      var r = el.getBoundingClientRect();
      return {left: r.left, right: r.right, top: r.top + window.scrollY,
              bottom: r.bottom + window.scrollY, width: r.width, height: r.height,
              text: (el.textContent || '').trim().slice(0, 200)};
    });
  }
  var out = {
    width: width, height: height,
    scrollWidth: document.documentElement.scrollWidth,
    pageHeight: document.documentElement.scrollHeight,
    wide: wide.slice(0, 20), images: images, contrast: contrast.slice(0, 20),
    headings: Array.prototype.map.call(document.querySelectorAll('h1, h2, h3, h4, h5, h6'),
      function (h) { return parseInt(h.tagName.slice(1), 10); }),
    scripts: document.querySelectorAll('script').length - 2,
    selected: {}
  };
  (window.__measure || []).forEach(function (sel) { out.selected[sel] = rects(sel); });
  var target = (window.parent || window).document;
  var pre = target.createElement('pre');
  pre.className = 'layout-measurements';
  pre.textContent = JSON.stringify({id: window.__measure_id, data: out});
  target.body.appendChild(pre);
})();
</script>
"""


def find() -> str | None:
    explicit = os.environ.get("CHROMIUM")
    if explicit and Path(explicit).exists():
        return explicit
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium() -> str:
    found = find()
    if found is None:
        pytest.skip("Chromium is not installed and could not be (`apt-get install chromium` "
                    "on Debian; .ci/run does it): the browser layout tests did not run")
    return found


def _run(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL,
    )


Page = tuple[str, str, int, int]
"""``(name, html, width, height)``: a page to measure in a viewport of that size."""


def measure_many(pages: list[Page], tmp: Path,
                 select: tuple[str, ...] = ()) -> dict[str, dict[str, Any]]:
    """Layout facts (see MEASURE) of every page, by name, from one Chromium run."""
    frames = []
    for name, page, width, height in pages:
        assert "</body>" in page
        wanted = (f"<script>window.__measure = {json.dumps(list(select))};"
                  f" window.__measure_id = {json.dumps(name)};</script>")
        copy = page.replace("</body>", wanted + MEASURE + "</body>")
        frames.append(
            f'<iframe title="{html_lib.escape(name)}" style="border:0;display:block"'
            f' width="{width}" height="{height}" srcdoc="{html_lib.escape(copy, quote=True)}">'
            "</iframe>"
        )
    harness = ('<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
               f'<body style="margin:0">{"".join(frames)}</body></html>')
    path = tmp / "measure.html"
    path.write_text(harness, encoding="utf-8")
    widest = max(w for _, _, w, _ in pages)
    proc = _run([f"--window-size={max(widest, 800) + 40},900", "--dump-dom", path.as_uri()],
                tmp / "profile-measure")
    found = {}
    for raw in re.findall(r'<pre class="layout-measurements">(.*?)</pre>', proc.stdout, re.S):
        item = json.loads(html_lib.unescape(raw))
        found[item["id"]] = item["data"]
    missing = [name for name, *_ in pages if name not in found]
    assert not missing, f"no measurements for {missing} from Chromium: {proc.stderr[-2000:]}"
    return found


def measure(page: str, tmp: Path, *, width: int, height: int,
            select: tuple[str, ...] = ()) -> dict[str, Any]:
    """Layout facts of `page` in a `width` x `height` viewport."""
    return measure_many([("page", page, width, height)], tmp, select)["page"]


def heading_jumps(levels: list[int]) -> list[tuple[int, int]]:
    """Pairs of consecutive heading levels where a level is skipped (h2 then h4)."""
    return [(a, b) for a, b in itertools.pairwise(levels) if b > a + 1]


def screenshot(page_file: Path, png: Path, *, width: int, height: int, profile: Path) -> None:
    proc = _run([f"--window-size={width},{height}", f"--screenshot={png}", page_file.as_uri()],
                profile)
    assert png.is_file(), proc.stderr[-2000:]


def print_pdf(page_file: Path, pdf: Path, *, profile: Path) -> None:
    proc = _run(["--no-pdf-header-footer", f"--print-to-pdf={pdf}", page_file.as_uri()], profile)
    assert pdf.is_file(), proc.stderr[-2000:]
