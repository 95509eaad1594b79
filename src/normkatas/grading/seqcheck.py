"""The instructor check (`grade check`) of a kata with sequence cases.

The reference must run through every sequence.  For the catalogue's mistakes,
every call of the kata's function in a sequence becomes a case of its own,
with the reference's inputs at that call: a mistake is caught when it changes
the results of some call, since a call that departs changes what every later
call reads.  A kata whose function takes a dict is checked through its flat
view (`normkatas.grading.flatview`), like its students are diagnosed.  The
probe is the first call of the kata's function in training mode whose input
has every axis of size 2 or more, in the case marked ``probe: true`` (or in
any visible case).  Messages point at the sequence case's line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from normkatas.grading.departure import step_case_name
from normkatas.grading.flatview import (
    flat_kata,
    flat_kwargs,
    flat_name,
    flat_reference,
    has_flat_view,
)
from normkatas.grading.instructor import check_kata
from normkatas.grading.reference import Reference
from normkatas.grading.sequence import prepare_sequence, reference_functions
from normkatas.report.check import CheckReport, ReferenceProblem
from normkatas.spec.inputs import MaterializedCase, materialize, materialize_sequences
from normkatas.spec.locate import lines_of
from normkatas.spec.model import Case, Kata


def _probe_ready(kata: Kata, kwargs: dict[str, Any]) -> bool:
    st = kata.structure
    name = st.roles.get("input") if st is not None else None
    x = kwargs.get(name or "")
    training = st.roles.get("training") if st is not None else None
    return (isinstance(x, np.ndarray) and x.ndim > 0 and min(x.shape) >= 2
            and (training is None or kwargs.get(training) is not False))


def check_sequences(
    kata: Kata, solutions: Sequence[Path], reference: Reference, file: Path | None
) -> CheckReport:
    """What `grade check` says about a kata with sequence cases."""
    where = lines_of(file)
    index = {c.name: i for i, c in enumerate(kata.cases)}
    problems: list[ReferenceProblem] = []
    steps: list[tuple[Case, int, MaterializedCase]] = []
    flat = has_flat_view(kata)
    try:
        references = reference_functions(kata, solutions, reference.function)
    except Exception as exc:
        references = None
        problems.append(ReferenceProblem(case="", line=where(("functions",)), message=str(exc)))
    for seq in materialize_sequences(kata) if references is not None else []:
        try:
            prepared = prepare_sequence(seq, references or {})
        except Exception as exc:
            problems.append(ReferenceProblem(case=seq.name, line=where(("cases", index[seq.name])),
                                             message=f"{type(exc).__name__}: {exc}"))
            continue
        for step in seq.steps:
            if step.function.name != kata.entry or kata.structure is None:
                continue
            inputs = dict(prepared.inputs[step.index])
            kwargs = flat_kwargs(kata, inputs) if flat else inputs
            if kwargs is None:
                continue
            name = step_case_name(seq.name, step.index)
            views = [msgspec.structs.replace(v, output=flat_name(v.output) if flat else v.output)
                     for v in step.views] if step.checked and step.views else None
            spec = msgspec.structs.replace(seq.spec, name=name, steps=None, args={}, probe=False,
                                           compare=views)
            steps.append((seq.spec, index[seq.name], MaterializedCase(spec, kwargs)))
    plain = [] if flat else materialize(kata)
    ready = [i for i, (case, _, m) in enumerate(steps)
             if not case.hidden and _probe_ready(kata, dict(m.kwargs))]
    flagged = [i for i in ready if steps[i][0].probe]
    chosen = next(iter(flagged or ready), None)
    if chosen is not None and not any(c.spec.probe for c in plain):
        case, at, m = steps[chosen]
        steps[chosen] = (case, at, MaterializedCase(
            msgspec.structs.replace(m.spec, probe=True), m.kwargs))
    cases = [*plain, *(m for _, _, m in steps)]
    lines = [*(index[c.name] for c in plain), *(at for _, at, _ in steps)]
    seen = kata if not flat else flat_kata(kata)
    seen = msgspec.structs.replace(seen, cases=[c.spec for c in cases])
    check_reference: Callable[..., Sequence[np.ndarray]] = (
        flat_reference(kata, reference.function) if flat else reference
    )

    def locate(path: tuple[str | int, ...]) -> int | None:
        if len(path) >= 2 and path[0] == "cases" and isinstance(path[1], int):
            return where(("cases", lines[path[1]])) if path[1] < len(lines) else None
        return where(path)

    report = check_kata(seen, check_reference, cases,
                        file=str(file) if file is not None else None, locate=locate)
    return msgspec.structs.replace(
        report, reference_problems=[*problems, *report.reference_problems]
    )
