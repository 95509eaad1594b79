"""`grade check`: run the instructor check on katas given by id, file or folder.

Exit status: 0 every kata holds together and its cases catch every known
mistake; 1 some kata has a problem; 2 a spec cannot be loaded.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from normkatas.errors import UsageError

if TYPE_CHECKING:
    from normkatas.report.check import CheckReport
    from normkatas.spec.library import KataLibrary
    from normkatas.spec.model import Kata


def _targets(
    targets: Sequence[str], catalogue: KataLibrary
) -> list[tuple[Kata, list[Path]]]:
    from normkatas.spec.library import solutions_dir_next_to
    from normkatas.spec.load import load_kata
    from normkatas.spec.selection import kata_by_id

    if not targets:
        return [(k, [catalogue.solutions_dir_for(k.id)]) for k in catalogue.all()]
    chosen: list[tuple[Kata, list[Path]]] = []
    for target in targets:
        path = Path(target)
        if path.is_dir():
            files = sorted(path.glob("*.yaml"))
            if not files:
                raise UsageError(f"{path}: no kata files (*.yaml) in this folder")
            chosen.extend((load_kata(f), [solutions_dir_next_to(path)]) for f in files)
        elif path.is_file():
            chosen.append((load_kata(path), [solutions_dir_next_to(path.parent)]))
        else:
            kata = kata_by_id(catalogue, target)
            chosen.append((kata, [catalogue.solutions_dir_for(kata.id)]))
    return chosen


def check_one(kata: Kata, solutions: Sequence[Path]) -> CheckReport:
    from normkatas.diagnose.coverage import check_kata
    from normkatas.grading.reference import load_reference
    from normkatas.spec.inputs import materialize

    return check_kata(kata, load_reference(kata, solutions), materialize(kata))


def run_checks(
    args: argparse.Namespace,
    catalogue_factory: Callable[[Sequence[Path]], KataLibrary],
) -> int:
    catalogue = catalogue_factory(args.katas_dir)
    for error in catalogue.errors:
        print(f"grade: error: {error}", file=sys.stderr)
    reports = [check_one(kata, solutions) for kata, solutions in _targets(args.targets, catalogue)]
    if not reports and not catalogue.errors:
        raise UsageError("no katas to check")
    from normkatas.app.output import color_wanted
    from normkatas.render.check import render_checks

    color = color_wanted(args.color)
    sys.stdout.write(render_checks(reports, args.format, color=color))
    if catalogue.errors and not args.targets:
        return 2
    return 0 if all(r.ok for r in reports) else 1
