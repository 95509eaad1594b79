"""``--format json`` is the Result contract: same data, same field order, a stable schema."""

from __future__ import annotations

import json
import math

import msgspec
import pytest

from normkatas.render import render
from normkatas.report.result import Result, result_from_json, to_builtins
from tests.support.render import ALL, hostile, validate


@pytest.mark.parametrize("name", sorted(ALL))
def test_matches_the_contract_schema(name: str) -> None:
    validate("result.schema.json", json.loads(render(ALL[name](), "json")))


@pytest.mark.parametrize("name", ["passed", "layer_norm", "unbiased", "syntax_error", "timeout"])
def test_is_the_model_itself(name: str) -> None:
    result = ALL[name]()
    text = render(result, "json")
    assert result_from_json(text) == result
    assert json.loads(text) == to_builtins(result)


def test_keeps_model_field_order_and_is_pretty() -> None:
    text = render(ALL["layer_norm"](), "json")
    data = json.loads(text)
    assert list(data) == list(Result.__struct_fields__)
    assert text.startswith('{\n  "version": "1.0",')


def test_one_object_and_no_report_text() -> None:
    text = render(hostile(), "json")
    data = json.loads(text)
    assert isinstance(data, dict)
    # data, not a report: student text is kept as recorded (JSON escapes it)
    assert "\x1b[2J" in data["stdout"]["text"]
    assert "\\u001b[2J" in text


def test_non_finite_numbers_and_lone_surrogates_still_give_json() -> None:
    data = json.loads(render(hostile(), "json"))
    mismatch = data["cases"][0]["mismatches"][0]
    value = mismatch["max_abs_diff"]
    assert value is None or math.isinf(value)
    assert "\ufffd lone surrogate" in data["stdout"]["text"]
    msgspec.json.decode(render(hostile(), "json"))
