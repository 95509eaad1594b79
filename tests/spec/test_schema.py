"""normkatas.spec.schema: the JSON Schema of kata files, committed at katas/kata.schema.json."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from normkatas.spec.load import load_yaml
from normkatas.spec.resources import data_dir
from normkatas.spec.schema import REGENERATE, SCHEMA_ID, kata_json_schema, render_schema
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


def _first_difference(old: str, new: str) -> str:
    for number, (a, b) in enumerate(zip(old.splitlines(), new.splitlines(), strict=False), 1):
        if a != b:
            return f"first difference on line {number}:\n  committed: {a}\n  generated: {b}"
    return "one file is longer than the other"


def test_committed_schema_is_up_to_date() -> None:
    how = (f"katas/kata.schema.json is out of date with src/normkatas/spec/model.py; from the"
           f" repository's root, regenerate it with\n\n    {REGENERATE}\n\nand commit it")
    assert COMMITTED.exists(), how
    committed, generated = COMMITTED.read_text(encoding="utf-8"), render_schema()
    assert committed == generated, f"{how}\n{_first_difference(committed, generated)}"
    assert json.loads(committed) == kata_json_schema()


def test_schema_descriptions_do_not_depend_on_docstring_indentation() -> None:
    def descriptions(node: object) -> list[str]:
        if isinstance(node, dict):
            own = [node["description"]] if isinstance(node.get("description"), str) else []
            return own + [d for v in node.values() for d in descriptions(v)]
        if isinstance(node, list):
            return [d for v in node for d in descriptions(v)]
        return []

    texts = descriptions(kata_json_schema())
    assert texts
    for text in texts:
        assert text == inspect.cleandoc(text)
        assert "\n    " not in text


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
