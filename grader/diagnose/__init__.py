"""Diagnosis: from a failing run to named mistakes with evidence and a fix.

```python
from grader.diagnose import plan_probes, diagnose, DiagnosisInput
probes = plan_probes(kata, cases)          # before the run: extra calls, inputs only
diagnoses = diagnose(DiagnosisInput(...))  # after it: list[Diagnosis], never raises
```

The catalogue of mistakes lives in `grader.diagnose.catalogue`; the formula
families the fit and the instructor check use in `grader.diagnose.families`.
"""

from grader.diagnose.context import DiagnosisInput
from grader.diagnose.engine import diagnose
from grader.diagnose.probes import plan_probes

__all__ = ["DiagnosisInput", "diagnose", "plan_probes"]
