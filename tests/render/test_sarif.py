"""``--format sarif``: valid SARIF 2.1.0 (the published OASIS schema), at the student's line."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from normkatas.render import render
from normkatas.report.result import SourceLine
from tests.support.render import ALL

SCHEMA = Path(__file__).parents[1] / "schemas" / "sarif-2.1.0.json"


def validate_sarif(data: object) -> None:
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    jsonschema.Draft4Validator.check_schema(schema)
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


@pytest.mark.parametrize("name", sorted(ALL))
def test_every_result_is_valid_sarif(name: str) -> None:
    data = json.loads(render(ALL[name](), "sarif"))
    validate_sarif(data)
    assert data["version"] == "2.1.0"


def test_a_diagnosis_is_a_result_at_the_students_line_with_its_rule() -> None:
    result = ALL["layer_norm"]()
    run = json.loads(render(result, "sarif"))["runs"][0]
    d = result.diagnoses[0]
    assert d.source is not None
    found = next(r for r in run["results"] if r["ruleId"] == d.id)
    region = found["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == d.source.line
    assert region["startColumn"] == d.source.column
    assert region["snippet"]["text"] == d.source.text.rstrip("\n")
    assert found["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        result.submission
    )
    assert found["level"] == "error"
    assert d.title in found["message"]["text"]
    rule = run["tool"]["driver"]["rules"][found["ruleIndex"]]
    assert rule["id"] == d.id
    assert rule["help"]["text"].startswith(d.help)


def test_errors_have_rules_and_the_score_is_in_the_run() -> None:
    run = json.loads(render(ALL["syntax_error"](), "sarif"))["runs"][0]
    (found,) = run["results"]
    assert found["ruleId"] == "syntax-error"
    assert found["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    assert run["properties"]["score"] == 0
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == {"syntax-error"}


def test_hidden_cases_give_no_result() -> None:
    text = render(ALL["hidden"](), "sarif")
    from tests.support.render import HIDDEN_SECRETS

    for secret in HIDDEN_SECRETS:
        assert secret not in text


def test_a_notebook_location_names_the_cell_and_line_not_a_file_line() -> None:
    base = ALL["layer_norm"]()
    d = base.diagnoses[0]
    src = SourceLine(line=3, text="    mean = X.mean(axis=(1, 2, 3))", column=19, cell=7)
    result = msgspec.structs.replace(
        base, submission="my solution.ipynb",
        diagnoses=[msgspec.structs.replace(d, source=src)],
    )
    data = json.loads(render(result, "sarif"))
    validate_sarif(data)
    found = data["runs"][0]["results"][0]
    location = found["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "my%20solution.ipynb"
    assert "region" not in location["physicalLocation"]
    assert location["properties"] == {"cell": 7, "line": 3}
    assert found["message"]["text"].startswith("cell 7, line 3: mean = X.mean(axis=(1, 2, 3))")
