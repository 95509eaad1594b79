"""The golden expectation written at the top of every corpus file.

```
# expect: failed
# diagnoses: layer-norm, unbiased-variance
# reduced_axes: 1, 2, 3
```
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.support import TESTS

CORPUS = TESTS / "corpus"


@dataclass(frozen=True)
class Expectation:
    status: str
    diagnoses: frozenset[str] | None
    reduced_axes: tuple[int, ...] | None


def header_fields(path: Path) -> dict[str, str]:
    """The ``# key: value`` lines at the top of a corpus file."""
    fields: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        key, sep, value = line[1:].partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    return fields


def read_expectation(path: Path) -> Expectation:
    fields = header_fields(path)
    status = fields.get("expect", "")
    if status not in ("passed", "failed", "error"):
        raise ValueError(f"{path}: header needs `# expect: passed|failed|error`")
    diagnoses = None
    if "diagnoses" in fields:
        diagnoses = frozenset(d.strip() for d in fields["diagnoses"].split(",") if d.strip())
    elif status == "passed":
        diagnoses = frozenset()
    axes = None
    if fields.get("reduced_axes"):
        axes = tuple(int(a) for a in fields["reduced_axes"].split(","))
    return Expectation(status, diagnoses, axes)


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.glob("*/*.py") if p.name.startswith(("right_", "wrong_")))
