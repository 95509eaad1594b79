"""``--format json``: the Result contract itself, pretty-printed, fields in model order.

This is data, not a report: student text is not neutralised here (consumers
get exactly what the engine recorded).  The one exception is a lone
surrogate (undecodable output), which JSON cannot carry: it becomes U+FFFD.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from normkatas.report.result import Result, to_builtins

_SURROGATE = re.compile("[\ud800-\udfff]")


def _replace_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_replace_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {k: _replace_surrogates(v) for k, v in value.items()}
    return value


def render_json(result: Result) -> str:
    try:
        raw = msgspec.json.encode(result)
    except UnicodeEncodeError:
        raw = msgspec.json.encode(_replace_surrogates(to_builtins(result)))
    return msgspec.json.format(raw, indent=2).decode("utf-8") + "\n"
