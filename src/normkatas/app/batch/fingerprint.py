"""A digest of what a submission returned on each case: the class run's similarity signal.

Two students whose wrong outputs agree to the last bit on the hidden and
generated cases very probably run the same computation; renaming variables
or reformatting the file does not change a single bit of the outputs.  The
digest is of the returned values exactly as they came back (dtype, shape and
raw bytes), so any difference in the order of floating-point operations
shows.  It is a hint for a person to look at two files, never a verdict:
see `normkatas.report.insights`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from normkatas.sandbox.types import ArrayValue, NoneValue, OtherValue, RunOutcome, SequenceValue

DIGEST_BYTES = 8


def _feed(h: Any, value: object) -> None:
    if isinstance(value, ArrayValue):
        h.update(f"a{value.dtype}{value.shape}".encode())
        if value.array is not None:
            data = np.ascontiguousarray(value.array)
            try:
                h.update(data.data.cast("B"))  # the bytes of tobytes(), not copied
            except (TypeError, ValueError):  # a dtype without a buffer format
                h.update(data.tobytes())
        else:
            h.update(b"refused")
    elif isinstance(value, SequenceValue):
        h.update(f"s{value.kind}{len(value.items)}".encode())
        for item in value.items:
            _feed(h, item)
    elif isinstance(value, NoneValue):
        h.update(b"none")
    elif isinstance(value, OtherValue):
        h.update(f"o{value.type_name}".encode())


def output_digests(outcomes: Sequence[RunOutcome]) -> dict[str, str]:
    """``{case name: hex digest}`` of every case call that returned a value."""
    out: dict[str, str] = {}
    for outcome in outcomes:
        for call in outcome.calls:
            if call.value is None or call.status != "ok":
                continue
            h = hashlib.blake2b(digest_size=DIGEST_BYTES)
            _feed(h, call.value)
            out[call.key] = h.hexdigest()
    return out
