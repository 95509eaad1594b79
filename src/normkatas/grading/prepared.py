"""A kata prepared for grading: everything that does not depend on the submission."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from normkatas.grading.reference import Reference
from normkatas.grading.sequence import PreparedSequence
from normkatas.sandbox.types import Call, Limits
from normkatas.spec.inputs import MaterializedCase
from normkatas.spec.model import Kata


@dataclass
class PreparedKata:
    """Everything about a kata that does not depend on the submission."""

    kata: Kata
    cases: list[MaterializedCase]
    reference: Reference
    reference_outputs: dict[str, list[np.ndarray]]
    probes: list[Call] = field(default_factory=list)
    limits: Limits = field(default_factory=Limits)
    reference_seconds: dict[str, float] = field(default_factory=dict)
    """Performance case -> the reference's best time on it."""
    diagnosis_memo: dict[str, Any] = field(default_factory=dict)
    """What the diagnosis computes once per kata (see `DiagnosisInput.memo`)."""
    descriptions: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    """Case -> its inputs described (``CaseResult.inputs``), filled on first use."""
    sequences: list[PreparedSequence] = field(default_factory=list)
    """The sequence cases (`normkatas.grading.sequence`); ``cases`` has the others."""
    job_calls: dict[bool, tuple[Call, ...]] = field(default_factory=dict, repr=False)
    """hidden? -> the calls of that job: one tuple for every submission (the sandbox
    encodes a tuple it has seen before only once)."""

    @property
    def output_names(self) -> list[str]:
        return [o.name for o in self.kata.returns]
