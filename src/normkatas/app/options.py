"""Options shared by single and class grading: limits and colour from the command line."""

from __future__ import annotations

import argparse
import dataclasses
from typing import TYPE_CHECKING

from normkatas.errors import UsageError

if TYPE_CHECKING:
    from normkatas.sandbox.types import Limits

MAX_TIMEOUT = 86400.0  # seconds: a day; more (or inf, nan) is a typo, not a limit


def limits_from_args(args: argparse.Namespace) -> Limits:
    from normkatas.sandbox.types import Limits

    limits = Limits()
    if args.timeout is not None:
        if not 0 < args.timeout <= MAX_TIMEOUT:  # also refuses nan
            raise UsageError(
                f"--timeout must be a positive number of seconds, at most {MAX_TIMEOUT:g}"
            )
        limits = dataclasses.replace(limits, timeout=args.timeout)
    if args.memory_mb is not None:
        if args.memory_mb < 64:
            raise UsageError("--memory-mb must be at least 64")
        limits = dataclasses.replace(limits, memory_mb=args.memory_mb)
    return limits
