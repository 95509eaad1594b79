"""``--format sarif``: SARIF 2.1.0, read by VS Code's SARIF viewer and GitHub code scanning.

One run of the tool ``normkatas``:

- a *rule* per diagnosis id (``layer-norm``...) with the diagnosis's title
  as short description, its explanation as full description and its
  ``help`` as help text; a rule per kind of execution error
  (``exception``, ``syntax-error``, ``timeout``...);
- a *result* per diagnosis and per distinct execution error (whole-file
  errors once; hidden cases give none), with ``ruleId``, a level
  (``error``, ``warning`` for likely diagnoses, ``note`` for advice), the
  message, and the student's file, line and column (``endColumn`` is
  exclusive, as in the model).  The quoted line is the region's snippet.

For a notebook the location is the notebook file, and the cell and line
(which are not lines of the file) are in the message (``cell 7, line 3:``)
and in the location's properties ``cell`` and ``line``.

The score and verdict are in the run's ``properties``.  Columns count
characters (``columnKind`` ``unicodeCodePoints``).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from normkatas._version import __version__
from normkatas.render import _view as v
from normkatas.render._sanitize import clean, clean_line
from normkatas.report.result import Diagnosis, ErrorInfo, Result

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "note": "note"}


def _uri(path: str) -> str:
    return quote(path.replace("\\", "/"), safe="/")


def _location(
    file: str,
    line: int | None,
    column: int | None = None,
    end_column: int | None = None,
    text: str = "",
    cell: int | None = None,
) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(file)}}
    location: dict[str, Any] = {"physicalLocation": physical}
    if line is None or line < 1:
        return location
    if cell is not None:
        location["properties"] = {"cell": cell, "line": line}
        return location
    region: dict[str, Any] = {"startLine": line}
    if column is not None and column >= 1:
        region["startColumn"] = column
        if end_column is not None and end_column > column:
            region["endColumn"] = end_column
    if text:
        region["snippet"] = {"text": clean(text.rstrip("\n"))}
    physical["region"] = region
    return location


def _where(line: int | None, cell: int | None, text: str) -> str:
    """``cell 7, line 3: <the line>`` for a notebook location, else ``""``."""
    if cell is None or line is None:
        return ""
    quoted = clean_line(text.strip())
    return f"cell {cell}, line {line}" + (f": {quoted}" if quoted else "")


def _diagnosis_text(d: Diagnosis) -> str:
    body = [v.headline(d)]
    body += [clean(n) for n in (d.notes or ([d.message] if d.message else []))]
    if d.reduced_axes is not None and d.expected_axes is not None:
        body.append(
            f"your code reduces over axes {v.axes_label(d.reduced_axes, d.layout)};"
            f" the kata asks for {v.axes_label(d.expected_axes, d.layout)}"
        )
    if d.help:
        body.append(f"help: {clean(d.help)}")
    return "\n".join(body)


def _rule_for_diagnosis(d: Diagnosis) -> dict[str, Any]:
    help_text = clean(d.help) if d.help else clean_line(d.title)
    if d.help_code:
        help_text += "\n\n" + clean(d.help_code)
    rule: dict[str, Any] = {
        "id": d.id,
        "shortDescription": {"text": clean_line(d.title)},
        "fullDescription": {"text": clean(d.message) or clean_line(d.title)},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": _LEVEL[v.level(d)]},
        "properties": {"category": d.category},
    }
    if d.help_code:
        rule["help"]["markdown"] = f"{clean(d.help)}\n\n```python\n{clean(d.help_code)}\n```"
    return rule


def _rule_for_error(kind: str) -> dict[str, Any]:
    title = v.SUBMISSION_ERROR_TITLE.get(kind) or v.error_phrase(ErrorInfo(kind=kind))  # type: ignore[arg-type]
    return {
        "id": kind,
        "shortDescription": {"text": title},
        "fullDescription": {"text": f"the submission could not be evaluated: {title}"},
        "help": {"text": "read the message and the line it points at; fix the code there"},
        "defaultConfiguration": {"level": "error"},
        "properties": {"category": "execution"},
    }


def _error_location(error: ErrorInfo, file: str) -> tuple[dict[str, Any], str]:
    line, column, text, cell = error.line, error.column, error.source, error.cell
    frames = [f for f in error.frames if f.file == file]
    if line is None and frames:
        line, column, text, cell = frames[-1].line, None, frames[-1].source, frames[-1].cell
    return _location(file, line, column, None, text, cell), _where(line, cell, text)


class _Rules:
    def __init__(self) -> None:
        self.rules: list[dict[str, Any]] = []
        self.index: dict[str, int] = {}

    def add(self, rule: dict[str, Any]) -> int:
        if rule["id"] not in self.index:
            self.index[rule["id"]] = len(self.rules)
            self.rules.append(rule)
        return self.index[rule["id"]]


def sarif_log(result: Result) -> dict[str, Any]:
    file = result.submission
    rules = _Rules()
    results: list[dict[str, Any]] = []

    def add_error(error: ErrorInfo, case: str | None) -> None:
        location, where = _error_location(error, file)
        phrase = v.error_phrase(error)
        text = phrase if case is None else f"case {clean_line(case)}: {phrase}"
        results.append({
            "ruleId": error.kind,
            "ruleIndex": rules.add(_rule_for_error(error.kind)),
            "level": "error",
            "message": {"text": f"{where}\n{text}" if where else text},
            "locations": [location],
        })

    for error in v.submission_errors(result):
        add_error(error, None)
    repeats = v.first_with_same_error(result)
    for case in result.cases:
        if case.error is None or case.hidden or case.name in repeats:
            continue
        if case.error.kind not in v.SUBMISSION_ERRORS:
            add_error(case.error, case.name)
    for d in result.diagnoses:
        src = d.source
        text = _diagnosis_text(d)
        if src is not None:
            location = _location(file, src.line, src.column, src.end_column, src.text, src.cell)
            where = _where(src.line, src.cell, src.text)
            text = f"{where}\n{text}" if where else text
        else:
            location = _location(file, None)
        entry: dict[str, Any] = {
            "ruleId": d.id,
            "ruleIndex": rules.add(_rule_for_diagnosis(d)),
            "level": _LEVEL[v.level(d)],
            "message": {"text": text},
            "locations": [location],
        }
        if d.cases:
            entry["properties"] = {"cases": [clean_line(c) for c in d.cases]}
        results.append(entry)

    driver: dict[str, Any] = {
        "name": "normkatas",
        "version": result.grader_version or __version__,
        "rules": rules.rules,
    }
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {
            "kata": result.kata,
            "status": result.status,
            "score": _finite(result.score),
            "maxScore": _finite(result.max_score),
            "verdict": v.verdict(result),
        },
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def _finite(x: float) -> float:
    return x if x == x and abs(x) != float("inf") else 0.0


def render_sarif(result: Result, *, verbose: bool = False) -> str:
    return json.dumps(sarif_log(result), indent=2, ensure_ascii=False) + "\n"
