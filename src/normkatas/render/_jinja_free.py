"""Markdown and HTML escaping helpers that need no jinja2 (used by templates and by Python)."""

from __future__ import annotations

import re

from normkatas.render._sanitize import clean

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")


def md(text: object) -> str:
    """Inline Markdown: special characters backslash-escaped, HTML as entities, one line."""
    s = clean(str(text)).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return s.replace("\r", " ").replace("\n", "<br>")


def html_text(text: object) -> str:
    """Text inside raw HTML in Markdown (``<summary>``): entities, no backslash escapes."""
    s = clean(str(text)).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s.replace("\n", " ")


def fence(text: object, lang: str = "text") -> str:
    """A fenced code block longer than any backtick run inside `text`."""
    body = clean(str(text)).rstrip("\n")
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{body}\n{ticks}"
