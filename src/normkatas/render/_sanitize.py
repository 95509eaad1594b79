"""One filter for everything that came from the student.

Captured output, exception messages, source lines and file names can hold
terminal control sequences (``ESC[2J``, OSC 8 links, ``\\r`` overwrites), NUL
bytes, bidirectional overrides or lone surrogates.  `clean` makes them
visible and inert (``ESC`` becomes the four characters ``\\x1b``) while
keeping newlines and tabs, so its output is safe for a terminal and valid
XML 1.0.  Every renderer except the raw ``json`` contract runs student text
through it.
"""

from __future__ import annotations

import re

# C0 controls except \t and \n, DEL, C1 controls, bidi marks and overrides
# (Trojan Source), XML 1.0 non-characters and lone surrogates.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\ufffe\uffff\ud800-\udfff]"
)


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
        return "\ufffd"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def clean(text: str) -> str:
    """`text` with every control character except newline and tab made visible."""
    if not text:
        return text
    text = text.replace("\r\n", "\n")
    return _UNSAFE.sub(_visible, text)


def clean_line(text: str) -> str:
    """`clean`, and newlines too: for text that must stay on one line."""
    return clean(text).replace("\n", "\\n")
