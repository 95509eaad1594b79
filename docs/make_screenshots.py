"""Regenerate the screenshots of the README (docs/report-*.png, docs/images/notebook-report.png).

    .venv/bin/python docs/make_screenshots.py

Grades a corpus submission with several mistakes (the student report) and a
class folder built from the corpus (the class report, see
tests/support/class_folder.py) with the real `grade` command, then photographs both
pages in headless Chromium at 1280 and 400 px wide.  Needs Chromium
(`apt-get install chromium` on Debian) and the project installed in .venv.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
SIZES = {"report-student": {1280: 900, 400: 860}, "report-class": {1280: 1300, 400: 1300}}
"""Screenshot -> window width -> height (the top of the page)."""
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars")
STUDENT_FILE = REPO / "tests" / "corpus" / "batchnorm-bchw" / "wrong_layer_norm_three_mistakes.py"


def _grade() -> list[str]:
    found = shutil.which("grade", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "normkatas"]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    sys.exit("make_screenshots: Chromium is needed (apt-get install chromium)")


def _shoot(page: Path, name: str, work: Path) -> None:
    for width, height in SIZES[name].items():
        png = DOCS / f"{name}-{width}.png"
        subprocess.run(
            [_chromium(), *FLAGS, f"--user-data-dir={work / 'profile'}",
             f"--window-size={width},{height}", f"--screenshot={png}", page.as_uri()],
            check=True, capture_output=True, timeout=120, stdin=subprocess.DEVNULL,
        )
        print(f"wrote {png.relative_to(REPO)}")


def main() -> None:
    sys.path.insert(0, str(REPO))
    from tests.support.class_folder import build

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        text = STUDENT_FILE.read_text(encoding="utf-8").splitlines(keepends=True)
        body = "".join(line for line in text if not line.startswith("# "))
        (work / "solution.py").write_text(body.lstrip("\n"), encoding="utf-8")
        subprocess.run([*_grade(), "solution.py", "--format", "html", "--output", "student.html"],
                       cwd=work, capture_output=True, timeout=300)
        build(work / "class")
        subprocess.run([*_grade(), "class", "--out", "out", "--jobs", "2"],
                       cwd=work, capture_output=True, timeout=900)
        for page in (work / "student.html", work / "out" / "class-report.html"):
            if not page.is_file():
                sys.exit(f"make_screenshots: grading did not write {page.name}")
        _shoot(work / "student.html", "report-student", work)
        _shoot(work / "out" / "class-report.html", "report-class", work)
    # and the report inline in a notebook (README, "In a notebook")
    sys.path.insert(0, str(REPO / "docs"))
    import notebook_screenshot

    notebook_screenshot.main([])


if __name__ == "__main__":
    main()
