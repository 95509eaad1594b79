"""The instructor check of one kata (`grade check`): the coverage of the
catalogue's mistakes (`normkatas.diagnose.coverage`) and the written values
judged like answers (`normkatas.grading.written`), in one `CheckReport`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import msgspec
import numpy as np

from normkatas.diagnose.coverage import check_kata as check_coverage
from normkatas.diagnose.coverage import reference_outputs
from normkatas.grading.written import check_written
from normkatas.report.check import CheckReport, ReferenceProblem
from normkatas.spec.inputs import MaterializedCase
from normkatas.spec.locate import Locate, lines_of, no_lines
from normkatas.spec.model import Kata

Reference = Callable[..., Sequence[np.ndarray]]


def check_kata(
    kata: Kata, reference: Reference, cases: Sequence[MaterializedCase],
    file: str | Path | None = None, locate: Locate | None = None,
) -> CheckReport:
    """Everything `grade check` says about ``kata``; lines come from ``file``."""
    where = locate or (lines_of(file) if file is not None else no_lines)
    report = check_coverage(kata, reference, cases, where,
                            str(file) if file is not None else None)
    outputs, _ = reference_outputs(kata, reference, cases)
    errors, notes = check_written(kata, reference, cases, outputs, where)
    problems = [*report.reference_problems, *_views_of_reference(kata, cases, outputs, where)]
    return msgspec.structs.replace(report, expected_mismatches=errors, expected_notes=notes,
                                   reference_problems=problems)


def _views_of_reference(
    kata: Kata, cases: Sequence[MaterializedCase], outputs: dict[str, list[np.ndarray]],
    where: Locate,
) -> list[ReferenceProblem]:
    """The reference must hold every property it is graded with (and every view apply)."""
    from normkatas.grading.views import views_verdict
    from normkatas.spec.views import layout_of

    names = [o.name for o in kata.returns]
    out = []
    for i, case in enumerate(cases):
        if not case.spec.compare or case.name not in outputs:
            continue
        ref = outputs[case.name]
        verdict = views_verdict(ref, ref, names, case.spec.compare, case.kwargs,
                                layout_of(kata), case.spec.tolerance or kata.tolerance)
        for m in verdict.mismatches:
            out.append(ReferenceProblem(
                case=case.name, line=where(("cases", i, "compare")),
                message=f"the reference's {m.output} is off in {m.mismatched} of {m.total}"
                f" values (up to {m.max_abs_diff:.3g}): the property does not hold for it",
            ))
    return out
