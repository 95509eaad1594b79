"""normkatas.spec.schema: the JSON Schema of kata files, committed at katas/kata.schema.json."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from normkatas.spec.load import load_yaml
from normkatas.spec.resources import data_dir
from normkatas.spec.schema import SCHEMA_ID, kata_json_schema, render_schema
from tests.support import REPO

ROOT = REPO
COMMITTED = ROOT / "katas" / "kata.schema.json"
BUNDLED = sorted(data_dir("katas").glob("*.yaml"))


def validator() -> jsonschema.protocols.Validator:
    schema = kata_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_schema_has_identity() -> None:
    schema = kata_json_schema()
    assert schema["$id"] == SCHEMA_ID
    assert schema["title"] and schema["description"]
    assert schema["$ref"] == "#/$defs/Kata"
    kata = schema["$defs"]["Kata"]
    assert set(kata["required"]) == {"id", "title", "statement", "entry", "params", "returns"}
    assert kata["additionalProperties"] is False


def test_committed_schema_is_up_to_date() -> None:
    assert COMMITTED.exists(), "run: python -m normkatas.spec.schema > katas/kata.schema.json"
    assert COMMITTED.read_text(encoding="utf-8") == render_schema(), (
        "katas/kata.schema.json is stale; run: python -m normkatas.spec.schema > "
        "katas/kata.schema.json"
    )
    assert json.loads(COMMITTED.read_text(encoding="utf-8")) == kata_json_schema()


def test_module_prints_the_schema() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "normkatas.spec.schema"], capture_output=True, text=True,
        check=True, cwd=ROOT,
    ).stdout
    assert out == render_schema()


def test_schema_is_strict_about_numbers(tmp_path: Path) -> None:
    path = tmp_path / "k.yaml"
    path.write_text(
        "id: k\ntitle: T\nstatement: S\nentry: f\nparams: [{name: x}]\nreturns: [{name: y}]\n"
        "tolerance: {atol: 1e-5}\n"
    )
    assert list(validator().iter_errors(load_yaml(path))) == []
    path.write_text(path.read_text().replace("atol: 1e-5", "atol: '1e-5'"))
    assert list(validator().iter_errors(load_yaml(path)))  # the loader forgives, not the schema


@pytest.mark.skipif(not BUNDLED, reason="no bundled katas yet")
@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_katas_validate(path: Path) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}"
              for e in validator().iter_errors(load_yaml(path))]
    assert errors == []
