"""Grading a case through its views (``compare:``): each view of the student's
output against the same view of the reference's, or against the value a
property requires; the comparison itself is `compare_array`'s."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from normkatas.grading.compare import CaseVerdict, compare_array, compare_case
from normkatas.sandbox.types import Value
from normkatas.sandbox.values import Problem, as_outputs
from normkatas.spec.model import Tolerance, View
from normkatas.spec.views import ViewError, apply_view, label, target


def compare_views(
    value: Value | None,
    reference: Sequence[np.ndarray],
    names: Sequence[str],
    views: Sequence[View],
    kwargs: Mapping[str, Any],
    layout: str | None,
    tol: Tolerance,
    *,
    hidden: bool = False,
) -> CaseVerdict:
    outputs = as_outputs(value, len(names))
    if outputs is None:  # not the declared outputs: the usual verdict says why
        return compare_case(value, reference, names, tol, hidden=hidden)
    return views_verdict(outputs, reference, names, views, kwargs, layout, tol, hidden=hidden)


def views_verdict(
    outputs: Sequence[np.ndarray],
    reference: Sequence[np.ndarray],
    names: Sequence[str],
    views: Sequence[View],
    kwargs: Mapping[str, Any],
    layout: str | None,
    tol: Tolerance,
    *,
    hidden: bool = False,
) -> CaseVerdict:
    """Every view within its tolerance; a view the output's shape cannot take fails."""
    failing = []
    for view in views:
        slot = list(names).index(view.output)
        ref = np.asarray(reference[slot], dtype=np.float64)
        mine = np.asarray(outputs[slot])
        name = label(view)
        view_tol = view.tolerance or tol
        if mine.shape != ref.shape:
            failing.append(compare_array(mine, ref, view.output, view_tol, hidden=hidden))
            continue
        try:
            wanted = target(view, apply_view(view, ref, layout), kwargs)
            got = apply_view(view, mine, layout)
        except ViewError:  # the kata's own view: `grade check` reports it
            failing.append(compare_array(mine, ref, view.output, view_tol, hidden=hidden))
            continue
        verdict = compare_array(got, wanted, name, view_tol, hidden=hidden)
        if verdict.mismatched:
            failing.append(verdict)
    problem: Problem | None = (
        "wrong-shape" if any(m.shape_yours != m.shape_reference for m in failing) else None
    )
    return CaseVerdict(passed=not failing, mismatches=failing, problem=problem)
