"""The one filter for student text: nothing a terminal or an XML parser would act on survives."""

from __future__ import annotations

import unicodedata
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from hypothesis import given
from hypothesis import strategies as st

from normkatas.render._sanitize import clean, clean_line


def _unsafe(ch: str) -> bool:
    if ch in "\n\t":
        return False
    code = ord(ch)
    return (
        unicodedata.category(ch) == "Cc"
        or 0xD800 <= code <= 0xDFFF
        or code in (0xFFFE, 0xFFFF)
        or ch in "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    )


def test_escape_sequences_become_visible() -> None:
    assert clean("\x1b[31mred\x1b[0m") == "\\x1b[31mred\\x1b[0m"
    assert clean("a\x00b\x07c\x7f\x9b") == "a\\x00b\\x07c\\x7f\\x9b"
    assert clean("bidi\u202eevil") == "bidi\\u202eevil"
    assert clean("lone \ud800") == "lone \ufffd"


def test_newlines_and_tabs_are_kept_and_carriage_returns_shown() -> None:
    assert clean("a\tb\nc\r\nd") == "a\tb\nc\nd"
    assert clean("progress\roverwrite") == "progress\\x0doverwrite"
    assert clean_line("a\nb") == "a\\nb"


def test_ordinary_text_is_untouched() -> None:
    text = "sölution 名前 ∑ x² — ok 🙂 <tag> & 100%"
    assert clean(text) == text


@given(st.text(alphabet=st.characters(codec=None, exclude_categories=())))
def test_nothing_unsafe_survives(text: str) -> None:
    out = clean(text)
    assert not any(_unsafe(ch) for ch in out)
    assert clean(out) == out
    ET.fromstring(f"<a>{escape(out)}</a>")  # valid XML 1.0 character data
    out.encode("utf-8")


@given(st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs", "Cf"))))
def test_printable_text_is_unchanged(text: str) -> None:
    assert clean(text) == text
