"""Is this valid output in that format?  One checker per `grade --format`.

Each checker parses the text the real `grade` command printed, asserts what
the format promises (a consumer could read it) and returns the verdict the
output states: ``passed``, ``failed`` or ``error`` where the format carries
one, else ``None``.  Student text must arrive inert in every format: no raw
terminal controls in the text formats, no markup or workflow command of the
student's in HTML, XML or GitHub annotations.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from html.parser import HTMLParser
from typing import Any

from tests.support.render import validate

# C0 controls but \t and \n, DEL, C1 controls, bidi overrides (what _sanitize neutralises).
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
JSON_FIELDS = ("version", "kata", "submission", "status", "score", "max_score", "cases",
               "diagnoses", "stdout", "stderr", "warnings")
VERDICTS = {"pass": "passed", "fail": "failed", "error": "error"}


def no_controls(text: str, fmt: str) -> None:
    found = CONTROL.search(text)
    assert found is None, (
        f"{fmt}: raw control character {found.group()!r} at {found.start()}: "
        f"{text[max(0, found.start() - 60):found.start() + 20]!r}"
    )


def check_text(text: str) -> None:
    no_controls(text, "text")
    assert text.endswith("\n") and "score: " in text


# What a report may write as raw HTML in Markdown; anything else is someone's markup.
MARKDOWN_TAGS = frozenset({"details", "summary", "br", "sub", "sup", "b", "code", "kbd"})
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_TAG = re.compile(r"<\s*/?\s*([A-Za-z][\w-]*)")


def markdown_prose(text: str) -> str:
    """`text` without its fenced code blocks and code spans (where markup is inert)."""
    prose, fence = [], ""
    for line in text.splitlines():
        opening = _FENCE.match(line)
        if fence:
            if line.strip() and set(line.strip()) == {fence[0]} and len(line.strip()) >= len(
                fence
            ):
                fence = ""
        elif opening:
            fence = opening.group(1)
        else:
            prose.append(_CODE_SPAN.sub("", line))
    assert not fence, "an unclosed code fence"
    return "\n".join(prose)


def check_markdown(text: str) -> None:
    no_controls(text, "markdown")
    tags = {m.lower() for m in _TAG.findall(markdown_prose(text))}
    assert tags <= MARKDOWN_TAGS, f"markdown: raw HTML {tags - MARKDOWN_TAGS}"


def check_json(text: str) -> str:
    assert text.lstrip().startswith("{"), text[:200]
    data = json.loads(text)  # one object and nothing else: extra data raises
    assert isinstance(data, dict)
    missing = [f for f in JSON_FIELDS if f not in data]
    assert not missing, f"json: missing contract fields {missing}"
    validate("result.schema.json", data)
    return str(data["status"])


def check_sarif(text: str) -> str:
    from tests.render.test_sarif import validate_sarif

    no_controls(text, "sarif")
    data = json.loads(text)
    validate_sarif(data)
    return str(data["runs"][0]["properties"]["status"])


def check_gradescope(text: str) -> str:
    data = json.loads(text)
    validate("gradescope.schema.json", data)
    extra = data["extra_data"]
    assert extra["max_score"] >= data["score"] >= 0
    if extra["status"] == "passed":
        assert data["score"] == extra["max_score"]
    return str(extra["status"])


def check_classroom(text: str) -> str:
    data = json.loads(text)
    validate("classroom.schema.json", data)
    return VERDICTS[data["status"]]


def check_exercism(text: str) -> str:
    data = json.loads(text)
    validate("exercism.schema.json", data)
    return VERDICTS[data["status"]]


def check_junit(text: str) -> str:
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "testsuites", root.tag
    suites = root.findall("testsuite")
    assert suites, "no <testsuite>"
    failures = errors = 0
    for suite in suites:
        cases = suite.findall("testcase")
        assert int(suite.get("tests", "-1")) == len(cases) > 0
        f = sum(c.find("failure") is not None for c in cases)
        e = sum(c.find("error") is not None for c in cases)
        assert int(suite.get("failures", "-1")) == f and int(suite.get("errors", "-1")) == e
        for case in cases:
            assert case.get("name") and case.get("classname")
        failures, errors = failures + f, errors + e
    assert int(root.get("failures", "-1")) == failures
    assert int(root.get("errors", "-1")) == errors
    props = {p.get("name"): p.get("value") for p in root.iter("property")}
    return str(props["status"]) if "status" in props else (
        "passed" if failures + errors == 0 else "failed"
    )


WORKFLOW = re.compile(
    r"^::(error|warning|notice|debug|group|endgroup)"
    r"(?: (?P<props>[A-Za-z]+=[^,:]*(?:,[A-Za-z]+=[^,:]*)*))?::(?P<message>.*)$"
)


def check_github(text: str) -> None:
    no_controls(text, "github")
    for line in text.splitlines():
        if line.startswith("::"):  # else plain text, shown as is in the log
            assert WORKFLOW.match(line), f"github: not a workflow command: {line[:200]!r}"


# Every element an HTML report may use; a student's `<x>` or `<img onerror>` is not one.
HTML_TAGS = frozenset({
    "html", "head", "body", "title", "meta", "link", "style", "main", "header", "footer",
    "section", "article", "nav", "aside", "h1", "h2", "h3", "h4", "h5", "h6", "p", "div",
    "span", "a", "abbr", "b", "i", "em", "strong", "small", "code", "pre", "kbd", "samp",
    "var", "sub", "sup", "ul", "ol", "li", "dl", "dt", "dd", "table", "caption", "colgroup",
    "col", "thead", "tbody", "tfoot", "tr", "th", "td", "details", "summary", "figure",
    "figcaption", "svg", "g", "rect", "line", "text", "desc", "path", "circle", "polyline",
    "polygon", "mark", "br", "hr", "wbr", "img", "time", "data", "output", "meter",
    "progress", "label",
})
VOID = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
})


class _HTMLChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: set[str] = set()
        self.scripts: list[str] = []
        self.handlers: list[tuple[str, str]] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.handlers.append((name, value or ""))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1] if self.stack else ''}>")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] == "script":
            self.scripts.append(data)


def check_html(text: str, student: Iterable[str] = ()) -> None:
    """Balanced, only known elements, no script or handler carrying `student` text."""
    parser = _HTMLChecker()
    parser.feed(text)
    parser.close()
    assert not parser.problems, parser.problems[:5]
    assert parser.stack == [], f"unclosed elements: {parser.stack}"
    assert parser.tags <= HTML_TAGS, f"unexpected elements: {parser.tags - HTML_TAGS}"
    assert not parser.handlers, parser.handlers[:5]
    for marker in ["<script", "alert(", *student]:
        for script in parser.scripts:
            assert marker not in script, f"student text {marker!r} inside a <script>"
    assert text.lstrip().lower().startswith("<!doctype html")


CHECKERS: dict[str, Callable[[str], Any]] = {
    "text": check_text,
    "json": check_json,
    "markdown": check_markdown,
    "html": check_html,
    "junit": check_junit,
    "gradescope": check_gradescope,
    "github": check_github,
    "classroom": check_classroom,
    "exercism": check_exercism,
    "sarif": check_sarif,
}


def check_output(fmt: str, text: str) -> str | None:
    """Assert `text` is valid `fmt` output; the verdict it states, if the format has one."""
    verdict = CHECKERS[fmt](text)
    return verdict if isinstance(verdict, str) else None
