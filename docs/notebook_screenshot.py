"""Regenerate docs/images/notebook-report.png: the inline report of ``%%grade`` in a notebook.

    python docs/notebook_screenshot.py [--chromium PATH] [--output PNG]

A student's session (magics, a shell escape, a plot, then a ``%%grade`` cell
with a wrong function) is graded exactly as the cell magic grades it: the
cells become a module, the ``grade`` command grades it in a subprocess, and
the result is shown as the rich output the notebook displays.  That output is
placed under the cell in a page styled like a notebook, and headless Chromium
takes the picture, with the report scrolled to its diagnosis.  Needs Chromium
(``apt-get install chromium``).
"""

from __future__ import annotations

import argparse
import html
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from normkatas.app.jupyter import grade_module
from normkatas.notebook import Cell, to_module

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "images" / "notebook-report.png"

SESSION = [
    "%matplotlib inline\n!pip install -q normkatas\nimport numpy as np\n"
    "import matplotlib.pyplot as plt\n%load_ext normkatas",
    "X = np.random.randn(8, 3, 4, 4)\nplt.hist(X.ravel(), bins=30);",
]
GRADED = (
    "%%grade batchnorm-bchw\n"
    "def batch_normalization(X, gamma, beta, epsilon=1e-5):\n"
    "    mean = X.mean(axis=(1, 2, 3), keepdims=True)\n"
    "    var = X.var(axis=(1, 2, 3), keepdims=True)\n"
    "    X_hat = (X - mean) / np.sqrt(var + epsilon)\n"
    "    return gamma.reshape(1, -1, 1, 1) * X_hat + beta.reshape(1, -1, 1, 1)"
)

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>%%grade in a notebook</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 24px; background: #fff; color: #222; }}
.cell {{ display: grid; grid-template-columns: 80px 1fr; gap: 8px; margin-bottom: 12px; }}
.prompt {{ color: #303f9f; font-family: monospace; text-align: right; padding-top: 8px; }}
.out .prompt {{ color: #d84315; }}
pre {{ margin: 0; padding: 8px 12px; background: #f5f5f5; border: 1px solid #e0e0e0;
       border-radius: 2px; font-size: 13px; line-height: 1.4; }}
.magic {{ color: #aa22ff; font-weight: bold; }}
</style></head><body>
{cells}
<script>
// Scroll the report to its diagnosis, as a student reading it would.
const frame = document.querySelector("iframe.normkatas-report");
frame.addEventListener("load", () => {{
  const target = frame.contentDocument.getElementById("diagnoses-heading");
  if (target) frame.contentWindow.scrollTo(0, target.offsetTop - 16);
}});
</script>
</body></html>
"""


def _cell(number: int, source: str, output: str = "") -> str:
    code = html.escape(source)
    if code.startswith("%%grade"):
        first, _, rest = code.partition("\n")
        code = f'<span class="magic">{first}</span>\n{rest}'
    parts = [f'<div class="cell"><div class="prompt">In [{number}]:</div><pre>{code}</pre></div>']
    if output:
        parts.append(f'<div class="cell out"><div class="prompt"></div><div>{output}</div></div>')
    return "\n".join(parts)


def page() -> str:
    """The notebook page: the session's cells and the report under the ``%%grade`` cell."""
    cells = [Cell(n, source) for n, source in enumerate(SESSION, start=1)]
    number = len(cells) + 1
    module = to_module([*cells, Cell(number, GRADED)], root_cells={number})
    report = grade_module(module, kata="batchnorm-bchw", display="solution.ipynb")
    if report.page is None:
        raise SystemExit(f"no report: {report.text}")
    shown = [_cell(n, source) for n, source in enumerate(SESSION, start=1)]
    shown.append(_cell(number, GRADED, report.bundle()["text/html"]))
    return PAGE.format(cells="\n".join(shown))


def _chromium(given: str | None) -> str:
    for candidate in (given, shutil.which("chromium"), shutil.which("chromium-browser"),
                      shutil.which("google-chrome")):
        if candidate:
            return candidate
    raise SystemExit("Chromium not found: install it (apt-get install chromium) or pass --chromium")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--chromium", help="the Chromium executable")
    p.add_argument("--output", type=Path, default=OUTPUT)
    args = p.parse_args(argv)
    chromium = _chromium(args.chromium)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        html_file = Path(folder) / "notebook.html"
        html_file.write_text(page(), encoding="utf-8")
        subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             f"--user-data-dir={folder}/profile", "--virtual-time-budget=3000",
             f"--screenshot={args.output.resolve()}",
             "--window-size=1100,1350", html_file.as_uri()],
            check=True, timeout=120, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
