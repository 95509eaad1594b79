"""Gradescope, GitHub Classroom, exercism and GitHub Actions, against their published shapes."""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import unquote

import pytest

from normkatas.render import render
from normkatas.render.classroom import classroom_b64
from normkatas.render.exercism import OUTPUT_LIMIT
from normkatas.render.github import command, escape_data, escape_property
from normkatas.render.gradescope import results as gradescope_results
from tests.support.render import (
    ALL,
    HIDDEN_SECRETS,
    HOSTILE_FILE,
    assert_snapshot,
    failed_layer_norm,
    hidden_failing,
    hostile,
    syntax_error,
    timeout,
    unbiased_variance,
    validate,
)

# --- Gradescope ----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ALL))
def test_gradescope_matches_the_spec(name: str) -> None:
    text = render(ALL[name](), "gradescope")
    assert_snapshot(f"gradescope_{name}.txt", text)
    validate("gradescope.schema.json", json.loads(text))


def test_gradescope_scores_and_statuses_come_from_the_model() -> None:
    result = failed_layer_norm()
    data = json.loads(render(result, "gradescope"))
    assert data["score"] == result.score
    assert data["extra_data"]["max_score"] == result.max_score
    assert [t["score"] for t in data["tests"]] == [c.points for c in result.cases]
    assert [t["max_score"] for t in data["tests"]] == [c.max_points for c in result.cases]
    assert [t["status"] for t in data["tests"]] == ["passed", "failed", "failed"]
    assert data["tests"][1]["tags"] == ["layer-norm"]
    assert "error[layer-norm]" in data["output"] and data["output_format"] == "md"


def test_gradescope_hidden_cases() -> None:
    data = gradescope_results(hidden_failing())
    hidden = [t for t in data["tests"] if "(hidden)" in t["name"]]
    assert {t["visibility"] for t in hidden} == {"after_published"}
    assert all(t["output"] == "hidden case: details are not shown" for t in hidden)
    custom = gradescope_results(hidden_failing(), hidden_visibility="hidden")
    assert {t["visibility"] for t in custom["tests"] if "(hidden)" in t["name"]} == {"hidden"}
    for secret in HIDDEN_SECRETS:
        assert secret not in json.dumps(data)


# --- GitHub Classroom ----------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ALL))
def test_classroom_matches_the_grader_output(name: str) -> None:
    data = json.loads(render(ALL[name](), "classroom"))
    validate("classroom.schema.json", data)
    decoded = json.loads(base64.b64decode(classroom_b64(ALL[name]())).decode("utf-8"))
    assert decoded == data


def test_classroom_fields() -> None:
    data = json.loads(render(timeout(), "classroom"))
    assert data["status"] == "fail" and data["max_score"] == 4
    statuses = [t["status"] for t in data["tests"]]
    assert statuses == ["pass", "error", "error", "error"]
    # what the reporter adds up (notify-classroom.js sums tests[].score)
    assert sum(t["score"] for t in data["tests"]) == timeout().score
    zero = data["tests"][3]
    assert zero["line_no"] == 12 and zero["filename"] == "my_solution.py"
    assert zero["message"].startswith("ZeroDivisionError")
    assert data["tests"][0]["message"] is None
    assert json.loads(render(syntax_error(), "classroom"))["status"] == "error"


# --- exercism ------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ALL))
def test_exercism_matches_the_v3_spec(name: str) -> None:
    validate("exercism.schema.json", json.loads(render(ALL[name](), "exercism")))


def test_exercism_error_has_a_message_and_output_is_capped() -> None:
    data = json.loads(render(syntax_error(), "exercism"))
    assert data["status"] == "error" and "'(' was never closed" in data["message"]
    result = failed_layer_norm()
    result.stdout.text = "x" * 2000
    data = json.loads(render(result, "exercism"))
    outputs = [t["output"] for t in data["tests"] if "output" in t]
    assert len(outputs) == 1 and len(outputs[0]) <= OUTPUT_LIMIT
    assert outputs[0].endswith("Output was truncated. Please limit to 500 chars")
    assert data["tests"][1].get("output")  # on the first failing test, the one shown
    assert json.loads(render(unbiased_variance(), "exercism"))["message"] is None


# --- GitHub Actions --------------------------------------------------------------


def _parse(line: str) -> tuple[str, dict[str, str], str]:
    m = re.fullmatch(r"::(\w+)(?: ([^:]*))?::(.*)", line)
    assert m, line
    props = {}
    if m.group(2):
        for item in m.group(2).split(","):
            key, _, value = item.partition("=")
            props[key] = unquote(value)
    return m.group(1), props, unquote(m.group(3))


@pytest.mark.parametrize("name", sorted(ALL))
def test_github_snapshot_and_syntax(name: str) -> None:
    text = render(ALL[name](), "github")
    assert_snapshot(f"github_{name}.txt", text)
    lines = text.splitlines()
    for line in lines:
        kind, props, _ = _parse(line)
        assert kind in ("error", "warning", "notice")
        assert set(props) <= {"file", "line", "endLine", "col", "endColumn", "title"}
    kind, props, _ = _parse(lines[-1])
    assert kind == "notice" and props["title"].startswith("normkatas score ")


def test_github_annotation_points_at_the_line() -> None:
    lines = render(failed_layer_norm(), "github").splitlines()
    kind, props, message = _parse(lines[0])
    assert kind == "error"
    assert props == {
        "file": "my_solution.py", "line": "7", "endLine": "7", "col": "19", "endColumn": "32",
        "title": "error[layer-norm]: statistics computed per sample over C, H, W instead of"
        " per channel",
    }
    assert "help: reduce over the batch" in message and "\n" in message
    kind, props, _ = _parse(render(unbiased_variance(), "github").splitlines()[0])
    assert kind == "warning"
    assert _parse(render(syntax_error(), "github").splitlines()[0])[1]["col"] == "18"


def test_github_escaping() -> None:
    assert escape_data("50%\r\nnext") == "50%25%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    line = command("error", "two\nlines 100%", file="a:b,c.py", line=3, title="t: x, y")
    assert line == "::error file=a%3Ab%2Cc.py,line=3,title=t%3A x%2C y::two%0Alines 100%25"
    for line in render(hostile(), "github").splitlines():
        assert "\n" not in line and "\r" not in line and "\x1b" not in line
        assert line.count("::") >= 2
    _, props, _ = _parse(render(hostile(), "github").splitlines()[1])
    assert props["file"] == HOSTILE_FILE


def test_github_hidden_cases_give_no_annotation() -> None:
    text = render(hidden_failing(), "github")
    assert len(text.splitlines()) == 1
    for secret in HIDDEN_SECRETS:
        assert secret not in text
