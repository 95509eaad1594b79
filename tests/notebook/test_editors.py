"""docs/editors.md: the VS Code problem matcher reads the text report it documents."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

from normkatas.render import render
from tests.support.render import ALL

DOC = Path(__file__).parents[2] / "docs" / "editors.md"


def matcher() -> dict[str, object]:
    blocks = re.findall(r"```json\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    (tasks,) = [json.loads(b) for b in blocks if "problemMatcher" in b]
    found: dict[str, object] = tasks["tasks"][0]["problemMatcher"]
    return found


def problems(text: str) -> list[dict[str, str | None]]:
    """What VS Code would list: a headline line followed by its ``-->`` line."""
    pattern: list[dict[str, Any]] = matcher()["pattern"]  # type: ignore[assignment]
    first, second = pattern
    head, where = re.compile(first["regexp"]), re.compile(second["regexp"])
    lines = text.split("\n")
    out: list[dict[str, str | None]] = []
    for line, following in itertools.pairwise(lines):
        h, w = head.match(line), where.match(following)
        if h and w:
            out.append({
                "severity": h.group(first["severity"]), "code": h.group(first["code"]),
                "message": h.group(first["message"]), "file": w.group(second["file"]),
                "line": w.group(second["line"]), "column": w.group(second["column"]),
            })
    return out


def test_a_diagnosis_becomes_a_problem_at_the_students_line() -> None:
    result = ALL["layer_norm"]()
    d = result.diagnoses[0]
    assert d.source is not None
    found = problems(render(result, "text"))
    assert found[0] == {
        "severity": "error", "code": d.id, "message": d.title, "file": result.submission,
        "line": str(d.source.line), "column": str(d.source.column),
    }


def test_a_syntax_error_becomes_a_problem() -> None:
    found = problems(render(ALL["syntax_error"](), "text"))
    assert [(p["code"], p["line"], p["column"]) for p in found] == [("syntax-error", "3", "18")]


def test_the_background_patterns_match_a_watch_run() -> None:
    doc = DOC.read_text(encoding="utf-8")
    background = json.loads(re.search(r'`(\{"activeBegin".*?\})`', doc).group(1))  # type: ignore[union-attr]
    text = render(ALL["layer_norm"](), "text")
    assert re.match(background["beginsPattern"], text.split("\n")[0])
    assert re.match(background["endsPattern"], "watching x.py: grading again on every save")
