"""The catalogue of mistakes, in priority order.

Adding a misconception = one entry in one of these modules (plus a wrong
solution in tests/corpus).  Order matters twice: the first entry claiming a
formula stage value names it, and diagnoses are listed in this order within
a category.
"""

from __future__ import annotations

from normkatas.diagnose.catalogue import (
    affine,
    axes,
    backward,
    execution,
    forms,
    interface,
    outputs,
    running,
    statistics,
)
from normkatas.diagnose.entry import Entry

CATALOGUE: tuple[Entry, ...] = (
    *execution.ENTRIES,
    *interface.ENTRIES,
    *axes.ENTRIES,
    *statistics.ENTRIES,
    *affine.ENTRIES,
    *running.ENTRIES,
    *backward.ENTRIES,
    *outputs.ENTRIES,
    *forms.ENTRIES,
    *outputs.LAST,
)

BY_ID = {e.id: e for e in CATALOGUE}
assert len(BY_ID) == len(CATALOGUE), "catalogue ids must be unique"
