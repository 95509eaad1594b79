"""What reaches the student: the disclosure policy, and the machine's notes kept out.

`add_arguments` adds the `grade` options::

    --reveal LEVEL               full | misconception | verdict, for every case
    --reveal-policy FILE         a policy file (TOML or JSON, see normkatas.report.disclosure)
    --attempt N                  the attempt number the policy's rules see
    --submission-metadata FILE   Gradescope's submission_metadata.json: the attempt number
                                 is its previous_submissions count plus one

`student_result` applies them to a graded `Result` before any renderer sees it,
and moves the sandbox's notes about the machine out of the student's report
(they go to the operator's stderr once, in one line, when the code graded is not the
operator's own: see `normkatas.app.platform`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

import msgspec

from normkatas.app.platform import Machine, grading_others, operator_note, split_warnings
from normkatas.errors import UsageError
from normkatas.report.disclosure import (
    LEVELS,
    Policy,
    PolicyError,
    apply_policy,
    attempt_from_metadata,
    load_policy,
)
from normkatas.report.result import Result

T = TypeVar("T")


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("what a failure reveals (instructors)")
    g.add_argument("--reveal", choices=LEVELS[::-1], default=None,
                   help="how much a failing case shows: full (default), misconception"
                   " (the mistake, no values) or verdict (pass or fail only)")
    g.add_argument("--reveal-policy", type=Path, metavar="FILE",
                   help="a disclosure policy file (TOML or JSON): per kata, per case, per attempt")
    g.add_argument("--attempt", type=int, metavar="N",
                   help="the attempt number the policy's from_attempt rules see (default 1)")
    g.add_argument("--submission-metadata", type=Path, metavar="FILE",
                   help="Gradescope's submission_metadata.json: the attempt number is one more"
                   " than its previous_submissions")


def policy_from_args(args: argparse.Namespace) -> tuple[Policy, int]:
    policy = Policy()
    try:
        if getattr(args, "reveal_policy", None) is not None:
            policy = load_policy(args.reveal_policy)
        if getattr(args, "reveal", None) is not None:
            policy = msgspec.structs.replace(policy, level=args.reveal)
        attempt = getattr(args, "attempt", None)
        metadata = getattr(args, "submission_metadata", None)
        if attempt is None and metadata is not None:
            attempt = attempt_from_metadata(metadata)
    except PolicyError as exc:
        raise UsageError(str(exc)) from None
    if attempt is not None and attempt < 1:
        raise UsageError("--attempt must be 1 or more")
    return policy, attempt or 1


def student_result(
    args: argparse.Namespace, result: Result, machine: Machine, notes: Sequence[str] = ()
) -> Result:
    """`result` as the student may see it.

    What the machine lacks and the sandbox's notes about it (those in the result, and
    ``notes``: how the sandbox started) go to stderr, together, in one line, when the
    code is not the operator's own (as root, in CI, or ``--show-protections``); never
    into the report.
    """
    student, operator = split_warnings(result.warnings)
    line = operator_note(machine, extra=[*notes, *operator])
    if line is not None and grading_others(getattr(args, "show_protections", None)):
        print(line, file=sys.stderr)
    policy, attempt = policy_from_args(args)
    result = msgspec.structs.replace(result, warnings=student)
    return apply_policy(result, policy, attempt)


def allowed_arrays(args: argparse.Namespace, result: Result, arrays: dict[str, T]) -> dict[str, T]:
    """The HTML heatmaps (student and reference values) of the cases the policy shows in full."""
    policy, attempt = policy_from_args(args)
    full = {c.name for c in result.cases if policy.level_for(result.kata, c, attempt) == "full"}
    return {name: value for name, value in arrays.items() if name in full}
