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

Target = tuple["Kata", list[Path], "Path | None"]


def _search(kata_dir: Path) -> list[Path]:
    """The solutions folder next to ``kata_dir``, then the bundled one."""
    from normkatas.spec.library import solutions_dir_next_to
    from normkatas.spec.resources import data_dir

    return list(dict.fromkeys([solutions_dir_next_to(kata_dir), data_dir("solutions")]))


def _targets(targets: Sequence[str], catalogue: KataLibrary) -> list[Target]:
    from normkatas.spec.load import load_kata
    from normkatas.spec.selection import kata_by_id

    def known(kata: Kata) -> Target:
        path = catalogue.path_of(kata.id)
        return kata, _search(path.parent), path

    if not targets:
        return [known(k) for k in catalogue.all()]
    chosen: list[Target] = []
    for target in targets:
        path = Path(target)
        if path.is_dir():
            files = sorted(path.glob("*.yaml"))
            if not files:
                raise UsageError(f"{path}: no kata files (*.yaml) in this folder")
            chosen.extend((load_kata(f), _search(path), f) for f in files)
        elif path.is_file():
            chosen.append((load_kata(path), _search(path.parent), path))
        else:
            chosen.append(known(kata_by_id(catalogue, target)))
    return chosen


def _shown(path: Path | None) -> Path | None:
    """``path`` relative to the working folder when it is below it (as a compiler prints)."""
    if path is None:
        return None
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def check_one(kata: Kata, solutions: Sequence[Path], file: Path | None = None) -> CheckReport:
    from normkatas.grading.instructor import check_kata
    from normkatas.grading.reference import ReferenceFailure, load_reference
    from normkatas.spec.inputs import materialize

    shown = _shown(file)
    try:
        reference = load_reference(kata, solutions)
    except ReferenceFailure as exc:  # a finding like the others: with file and line
        return _no_reference(kata, shown, str(exc))
    if any(c.steps is not None for c in kata.cases):
        from normkatas.grading.seqcheck import check_sequences

        return check_sequences(kata, solutions, reference, shown)
    return check_kata(kata, reference, materialize(kata), file=shown)


def _no_reference(kata: Kata, file: Path | None, message: str) -> CheckReport:
    from normkatas.report.check import CheckReport, ReferenceProblem
    from normkatas.spec.locate import lines_of

    locate = lines_of(file)
    line = locate(("reference",)) or locate(("entry",))
    return CheckReport(
        kata=kata.id, file=str(file) if file is not None else None,
        reference_problems=[ReferenceProblem(case="",
                                             message=message, line=line)],
        diagnosis=kata.structure is not None,
    )


def run_checks(
    args: argparse.Namespace,
    catalogue_factory: Callable[[Sequence[Path]], KataLibrary],
) -> int:
    catalogue = catalogue_factory(args.katas_dir)
    for error in catalogue.errors:
        print(f"grade: error: {error}", file=sys.stderr)
    reports = [check_one(kata, solutions, file)
               for kata, solutions, file in _targets(args.targets, catalogue)]
    if not reports and not catalogue.errors:
        raise UsageError("no katas to check")
    from normkatas.app.output import color_wanted
    from normkatas.render.check import render_checks

    color = color_wanted(args.color)
    sys.stdout.write(render_checks(reports, args.format, color=color))
    if catalogue.errors and not args.targets:
        return 2
    return 0 if all(r.ok for r in reports) else 1
