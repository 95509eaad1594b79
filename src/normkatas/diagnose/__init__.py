"""Diagnosis: from a failing run to named mistakes with evidence and a fix.

```python
from normkatas.diagnose import plan_probes, diagnose, DiagnosisInput
probes = plan_probes(kata, cases)          # before the run: extra calls, inputs only
diagnoses = diagnose(DiagnosisInput(...))  # after it: list[Diagnosis], never raises
```

Diagnosing many submissions of one kata: give every `DiagnosisInput` the same
``memo`` dict.  While the student's code runs, `warm_up(...)` imports the
engine and fills that memo with what does not depend on the submission.

The catalogue of mistakes lives in `normkatas.diagnose.catalogue`; the formula
families the fit and the instructor check use in `normkatas.diagnose.families`.
Names are imported on first use: planning probes does not load the engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from normkatas.diagnose.context import DiagnosisInput, warm_memo
    from normkatas.diagnose.engine import diagnose, warm_up
    from normkatas.diagnose.probes import plan_probes

__all__ = ["DiagnosisInput", "diagnose", "plan_probes", "warm_memo", "warm_up"]

_HOMES = {
    "DiagnosisInput": "context",
    "warm_memo": "context",
    "diagnose": "engine",
    "warm_up": "engine",
    "plan_probes": "probes",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'normkatas.diagnose' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"normkatas.diagnose.{home}"), name)
