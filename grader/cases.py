"""Case materialization: literal and generated arguments become arrays, once per run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from grader.spec.model import Case, Kata


@dataclass(frozen=True)
class MaterializedCase:
    """A case with every argument as a numpy array or Python scalar.

    ``kwargs`` holds one entry per kata parameter (defaults filled in).
    """

    spec: Case
    kwargs: Mapping[str, Any]

    @property
    def name(self) -> str:
        return self.spec.name


def materialize(kata: Kata) -> list[MaterializedCase]:
    raise NotImplementedError
