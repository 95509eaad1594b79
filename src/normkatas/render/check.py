"""The instructor check report (`grade check`), as text or JSON."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from normkatas.report.check import CheckReport


def render_checks(reports: Sequence[CheckReport], fmt: str, *, color: bool = False) -> str:
    if fmt == "json":
        import msgspec

        data = [{**msgspec.to_builtins(r), "ok": r.ok} for r in reports]
        return msgspec.json.format(msgspec.json.encode(data), indent=2).decode() + "\n"
    from markupsafe import Markup

    from normkatas.render._jinja import render_template

    codes = {"ok": "\x1b[32m", "bad": "\x1b[31m", "b": "\x1b[1m", "r": "\x1b[0m"}
    styles = {k: Markup(v if color else "") for k, v in codes.items()}
    return render_template(
        "check.txt.j2", reports=list(reports), s=styles,
        failing=sum(1 for r in reports if not r.ok),
    )
