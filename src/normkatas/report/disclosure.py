"""How much a failure reveals: a policy, as data, applied to a `Result` before rendering.

Three levels, from most to least:

- ``full``: everything the grader found (values, rows, the smallest failing
  input, evidence);
- ``misconception``: which mistake and where in the student's code, without
  any value: no mismatched elements, no evidence numbers, no counterexample,
  no exception message;
- ``verdict``: passed or not, and the points; nothing else about the case.

An instructor picks a level for every case, per kata and per case, and may
let it change with the attempt number (Gradescope passes the previous
submissions in ``submission_metadata.json``): "after three attempts, show the
smallest failing input".  Hidden cases never reveal more than
``hidden`` whatever the rules say (and never their data: the grader keeps
a hidden case's inputs, values and messages out of every `Result`).

`apply_policy` returns a new `Result`; every renderer reads that, so every
format honours the policy.  The file format (TOML or JSON)::

    level = "misconception"        # every case, unless a rule says otherwise
    hidden = "verdict"             # the most a hidden case ever reveals

    [[rule]]                       # later rules win; every field but level is optional
    kata = "batchnorm-bchw"
    case = "large-epsilon"
    level = "verdict"

    [[rule]]
    from_attempt = 4               # from the fourth submission on
    level = "full"
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Literal

import msgspec

from normkatas.report.result import (
    CaseResult,
    Diagnosis,
    ErrorInfo,
    Result,
)

Level = Literal["full", "misconception", "verdict"]
LEVELS: tuple[Level, ...] = ("verdict", "misconception", "full")
"""From least to most revealing."""

# The catalogue's help for an unrecognised output points at the counterexample
# printed "below"; without one (withheld, or none found) it must not.
COUNTEREXAMPLE_PHRASE = " on the smallest failing input below"
COUNTEREXAMPLE_FALLBACK = " on the inputs of a failing case"


class Rule(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    level: Level
    kata: str | None = None
    case: str | None = None
    from_attempt: int = 1
    """The rule applies from this attempt on (1 is the first submission)."""


class Policy(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    level: Level = "full"
    hidden: Level = "full"
    """The most a hidden case reveals.  Even ``full`` shows no data of a hidden case
    (the grader never puts its inputs, values or messages in a Result); lower
    levels also drop the rest (how it differs, which mistake it showed)."""
    rule: list[Rule] = msgspec.field(default_factory=list)

    def level_for(self, kata: str, case: CaseResult | None, attempt: int = 1) -> Level:
        """The level of `case` (None: of what concerns no case) at this attempt."""
        chosen = self.level
        name = case.name if case is not None else None
        for r in self.rule:
            if r.kata not in (None, kata) or (r.case is not None and r.case != name):
                continue
            if attempt >= r.from_attempt:
                chosen = r.level
        if case is not None and case.hidden:
            chosen = least(chosen, self.hidden)
        return chosen


FULL = Policy()


class PolicyError(ValueError):
    """The policy file cannot be read: the message says why."""


def least(a: Level, b: Level) -> Level:
    return a if LEVELS.index(a) <= LEVELS.index(b) else b


def most(levels: list[Level]) -> Level:
    return max(levels, key=LEVELS.index) if levels else "verdict"


def load_policy(path: Path) -> Policy:
    """A policy from a ``.toml`` or ``.json`` file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    try:
        if path.suffix == ".json":
            return msgspec.json.decode(data, type=Policy)
        if sys.version_info >= (3, 11):
            import tomllib

            return msgspec.convert(tomllib.loads(data.decode("utf-8")), type=Policy)
        raise PolicyError(f"{path}: TOML needs Python 3.11; write the policy as JSON")
    except (msgspec.ValidationError, msgspec.DecodeError, ValueError) as exc:
        if isinstance(exc, PolicyError):
            raise
        raise PolicyError(f"{path}: {exc}") from None


def attempt_from_metadata(path: Path) -> int:
    """The attempt number from Gradescope's ``submission_metadata.json``.

    Its ``previous_submissions`` lists the student's earlier submissions, so
    this one is attempt ``len(previous_submissions) + 1``.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PolicyError(f"{path}: cannot read it as JSON ({exc})") from None
    previous = data.get("previous_submissions") if isinstance(data, dict) else None
    return len(previous) + 1 if isinstance(previous, list) else 1


def apply_policy(result: Result, policy: Policy = FULL, attempt: int = 1) -> Result:
    """`result` with every case, and every diagnosis, cut to what the policy lets it show."""
    levels = {c.name: policy.level_for(result.kata, c, attempt) for c in result.cases}
    cases = [_case(c, levels[c.name]) for c in result.cases]
    failing = [c for c in result.cases if c.status != "passed"]
    diagnoses = []
    for d in result.diagnoses:
        if d.cases:
            about = [levels[n] for n in d.cases if n in levels]
        else:  # about the whole file: as much as the most open failing case shows
            about = [levels[c.name] for c in failing]
        level = most(about) if about else policy.level_for(result.kata, None, attempt)
        kept = _diagnosis(d, level, [n for n in d.cases if levels.get(n) != "verdict"])
        if kept is not None:
            diagnoses.append(kept)
    return msgspec.structs.replace(result, cases=cases, diagnoses=diagnoses)


def _case(case: CaseResult, level: Level) -> CaseResult:
    if level == "full" or case.status == "passed":
        return case
    error = case.error
    if level == "verdict":
        # Whole-file errors (syntax, import, missing function) are the
        # student's own file: the kind still says what to fix.
        kept = error if error is not None and error.kind in _FILE_ERRORS else None
        if error is not None and kept is None:
            kept = ErrorInfo(kind="not-run") if error.kind == "not-run" else None
        return msgspec.structs.replace(
            case, note="", inputs={}, mismatches=[], error=kept, mutated=[]
        )
    # No compared values at all: which outputs differ is said by the diagnoses.
    return msgspec.structs.replace(
        case, mismatches=[], error=_error(error) if error is not None else None
    )


_FILE_ERRORS = ("syntax-error", "import-error", "missing-function")


def _error(error: ErrorInfo) -> ErrorInfo:
    if error.kind in _FILE_ERRORS:
        return error
    # The kind, the exception type and the student's own line; no message (it may hold values).
    return msgspec.structs.replace(error, message="", frames=error.frames[-1:])


def _diagnosis(d: Diagnosis, level: Level, cases: list[str]) -> Diagnosis | None:
    if level == "verdict":
        return None
    if d.cases:
        d = msgspec.structs.replace(d, cases=cases)
    if level == "misconception":
        # Evidence is values (per-channel means, ratios...): none of it.
        d = msgspec.structs.replace(d, evidence=[], counterexample=None)
    if d.counterexample is None and COUNTEREXAMPLE_PHRASE in d.help:
        d = msgspec.structs.replace(
            d, help=d.help.replace(COUNTEREXAMPLE_PHRASE, COUNTEREXAMPLE_FALLBACK)
        )
    return d
