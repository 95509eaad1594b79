"""JUnit XML: valid XML whatever the student printed, in the structure GitLab and Jenkins read."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from normkatas.render import render
from tests.support.render import (
    ALL,
    HIDDEN_SECRETS,
    SCRIPT,
    assert_snapshot,
    failed_layer_norm,
    hidden_failing,
    hostile,
    syntax_error,
)

# The element and attribute rules of the JUnit schema Jenkins validates reports
# against (jenkinsci/xunit-plugin, junit-10.xsd), which GitLab's parser also
# accepts: children allowed per element, required and optional attributes.
_TEXT = {"children": set(), "required": set(), "optional": {"type", "message"}, "text": True}
SCHEMA: dict[str, dict[str, object]] = {
    "testsuites": {
        "children": {"testsuite"},
        "required": set(),
        "optional": {"name", "time", "tests", "failures", "disabled", "errors"},
    },
    "testsuite": {
        "children": {"testsuite", "properties", "testcase", "system-out", "system-err"},
        "required": {"tests"},
        "optional": {
            "name", "failures", "errors", "time", "disabled", "skipped", "skips", "timestamp",
            "hostname", "id", "package", "assertions", "file", "skip", "log", "url",
        },
    },
    "properties": {"children": {"property"}, "required": set(), "optional": set()},
    "property": {"children": set(), "required": {"name", "value"}, "optional": set()},
    "testcase": {
        "children": {"skipped", "error", "failure", "system-out", "system-err"},
        "required": {"name"},
        "optional": {
            "assertions", "time", "timestamp", "classname", "status", "class", "file", "line",
            "log", "group", "url",
        },
    },
    "failure": _TEXT,
    "error": _TEXT,
    "skipped": _TEXT,
    "system-out": {"children": set(), "required": set(), "optional": set(), "text": True},
    "system-err": {"children": set(), "required": set(), "optional": set(), "text": True},
}
COUNTS = ("tests", "failures", "errors", "skipped")


def check_schema(element: ET.Element) -> None:
    rule = SCHEMA[element.tag]
    attrs = set(element.attrib)
    assert rule["required"] <= attrs, (element.tag, attrs)  # type: ignore[operator]
    assert attrs <= rule["required"] | rule["optional"], (element.tag, attrs)  # type: ignore[operator]
    for child in element:
        assert child.tag in rule["children"], (element.tag, child.tag)  # type: ignore[operator]
        check_schema(child)
    if not rule.get("text"):
        assert not (element.text or "").strip(), element.tag
    for name in COUNTS:
        if name in element.attrib:
            assert int(element.attrib[name]) >= 0
    if "time" in element.attrib:
        assert float(element.attrib["time"]) >= 0


def parse(xml: str) -> ET.Element:
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(xml.encode("utf-8"))
    assert root.tag == "testsuites"
    check_schema(root)
    return root


@pytest.mark.parametrize("name", sorted(ALL))
def test_snapshot(name: str) -> None:
    assert_snapshot(f"junit_{name}.txt", render(ALL[name](), "junit"))


@pytest.mark.parametrize("name", sorted(ALL))
def test_structure_and_counts(name: str) -> None:
    result = ALL[name]()
    root = parse(render(result, "junit"))
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == f"{result.kata} {result.submission}"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [c.name for c in result.cases]
    assert {c.get("classname") for c in cases} <= {result.kata}
    failures = sum(1 for c in cases if c.find("failure") is not None)
    errors = sum(1 for c in cases if c.find("error") is not None)
    for element in (root, suite):
        assert element.get("tests") == str(len(cases))
        assert element.get("failures") == str(failures)
        assert element.get("errors") == str(errors)
    assert failures == sum(1 for c in result.cases if c.status == "failed")
    assert errors == sum(1 for c in result.cases if c.status == "error")
    for case, element in zip(result.cases, cases, strict=True):
        assert float(element.get("time", "-1")) == pytest.approx(case.duration_ms / 1000, abs=1e-3)


def test_failure_message_is_the_first_diagnosis_title() -> None:
    suite = parse(render(failed_layer_norm(), "junit")).find("testsuite")
    assert suite is not None
    failure = suite.find("testcase[@name='random-small']/failure")
    assert failure is not None
    assert failure.get("message") == (
        "statistics computed per sample over C, H, W instead of per channel"
    )
    assert failure.get("type") == "layer-norm"
    assert "Y: 24 of 24 elements differ" in (failure.text or "")
    assert "error[layer-norm]" in (failure.text or "")
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["score"] == "1" and props["max_score"] == "7"


def test_failure_without_diagnosis_says_mismatch_and_hidden_shows_no_data() -> None:
    xml = render(hidden_failing(), "junit")
    suite = parse(xml).find("testsuite")
    assert suite is not None
    failure = suite.find("testcase[@name='secret-1']/failure")
    assert failure is not None and failure.get("message") == "mismatch"
    assert failure.text == "hidden case: details are not shown"
    error = suite.find("testcase[@name='secret-2']/error")
    assert error is not None and error.get("message") == "raised ValueError"
    for secret in HIDDEN_SECRETS:
        assert secret not in xml


def test_execution_errors_are_errors() -> None:
    suite = parse(render(syntax_error(), "junit")).find("testsuite")
    assert suite is not None
    error = suite.find("testcase[@name='seed-example-1']/error")
    assert error is not None
    assert error.get("type") == "syntax-error"
    assert error.get("message") == "SyntaxError: '(' was never closed"


def test_hostile_text_stays_valid_xml() -> None:
    xml = render(hostile(), "junit")
    root = parse(xml)
    out = root.find("testsuite/system-out")
    assert out is not None and SCRIPT in (out.text or "")
    assert "\\x00" in (out.text or "") and "\x00" not in xml and "\x1b" not in xml
    assert "]]>" in "".join(root.itertext())
