"""Comparison: what the student returned against the reference outputs.

Only plain arrays rebuilt by the grader from the sandbox's bytes reach this
module, so nothing the submission does can influence the verdict except the
values it returned.  For a hidden case a mismatch lists no elements and gives
its max diffs to one significant digit only (full digits could spell inputs).
An array refused for its size still has a shape: a wrong one is a wrong shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from normkatas.report.result import Mismatch, Row
from normkatas.sandbox.types import Value
from normkatas.sandbox.values import Problem, as_outputs, classify_value, sized_outputs
from normkatas.spec.model import Tolerance

MAX_ROWS = 5
_TINY = np.finfo(np.float64).tiny

@dataclass(frozen=True)
class CaseVerdict:
    passed: bool
    mismatches: list[Mismatch] = field(default_factory=list)
    problem: Problem | None = None


def compare_array(
    yours: np.ndarray, reference: np.ndarray, name: str, tol: Tolerance, *, hidden: bool
) -> Mismatch:
    """Element-wise ``|yours - ref| <= atol + rtol * |ref|``; NaN never matches."""
    ref = np.asarray(reference, dtype=np.float64)
    total = int(ref.size)
    if yours.shape != ref.shape:
        return shape_mismatch(yours.shape, str(yours.dtype), ref, name, tol)
    mine = _as_float(yours)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(mine - ref)
        size = np.abs(ref)
        bad = ~(diff <= tol.atol + tol.rtol * size)
        finite = np.isfinite(diff)
        rel = diff / np.maximum(size, _TINY)
    both_nan = np.isnan(mine) & np.isnan(ref)
    bad &= ~both_nan
    rows: list[Row] = []
    if not hidden:
        for index in np.argwhere(bad)[:MAX_ROWS]:
            idx = tuple(int(i) for i in index)
            value = float(mine[idx])
            rows.append(
                Row(
                    index=list(idx),
                    yours=value if np.isfinite(value) else None,
                    reference=float(ref[idx]),
                )
            )
    any_finite = bool(finite.any())
    max_abs = float(diff[finite].max()) if any_finite else 0.0
    max_rel = float(rel[finite].max()) if any_finite else 0.0
    if hidden:  # the order of magnitude only: full digits could spell a hidden input
        max_abs, max_rel = _coarse(max_abs), _coarse(max_rel)
    return Mismatch(
        output=name,
        mismatched=int(bad.sum()),
        total=total,
        max_abs_diff=max_abs,
        max_rel_diff=max_rel,
        rtol=tol.rtol,
        atol=tol.atol,
        shape_yours=list(yours.shape),
        shape_reference=list(ref.shape),
        dtype_yours=str(yours.dtype),
        non_finite=int((~np.isfinite(mine) & np.isfinite(ref)).sum()),
        rows=rows,
    )


def passes(yours: np.ndarray, reference: np.ndarray, tol: Tolerance) -> bool:
    """`compare_array` would find no mismatched element: its rule, without its report."""
    ref = np.asarray(reference, dtype=np.float64)
    if yours.shape != ref.shape:
        return False
    mine = _as_float(yours)
    rtol, atol = tol.rtol, tol.atol
    if mine.size and isinstance(rtol, int | float) and isinstance(atol, int | float):
        # a first element that fails the rule, told in plain floats (the same IEEE
        # arithmetic) before any array operation: most failing outputs fail there
        x, y = float(mine.flat[0]), float(ref.flat[0])
        if not (abs(x - y) <= atol + rtol * abs(y)) and not (x != x and y != y):
            return False
    with np.errstate(invalid="ignore", over="ignore"):
        ok = np.abs(mine - ref) <= tol.atol + tol.rtol * np.abs(ref)
    if ok.all():
        return True
    return bool((ok | (np.isnan(mine) & np.isnan(ref))).all())


def shape_mismatch(
    shape: Sequence[int], dtype: str, reference: np.ndarray, name: str, tol: Tolerance
) -> Mismatch:
    """Every element differs: the student's output has another shape."""
    total = int(reference.size)
    return Mismatch(
        output=name,
        mismatched=total,
        total=total,
        max_abs_diff=0.0,
        max_rel_diff=0.0,
        rtol=tol.rtol,
        atol=tol.atol,
        shape_yours=[int(n) for n in shape],
        shape_reference=list(reference.shape),
        dtype_yours=dtype,
    )


def compare_case(
    value: Value | None,
    reference: Sequence[np.ndarray],
    names: Sequence[str],
    tol: Tolerance,
    *,
    hidden: bool = False,
) -> CaseVerdict:
    outputs = as_outputs(value, len(names))
    if outputs is None:
        # An array refused for its size still has a shape: a wrong one is a wrong shape.
        sized = sized_outputs(value, len(names)) or []
        wrong = [
            shape_mismatch(item.shape, item.dtype, np.asarray(ref), name, tol)
            for item, ref, name in zip(sized, reference, names, strict=False)
            if tuple(item.shape) != np.shape(ref)
        ]
        if wrong:
            return CaseVerdict(passed=False, mismatches=wrong, problem="wrong-shape")
        return CaseVerdict(passed=False, problem=classify_value(value, len(names)))
    mismatches = [
        compare_array(mine, ref, name, tol, hidden=hidden)
        for mine, ref, name in zip(outputs, reference, names, strict=True)
        if not passes(mine, ref, tol)  # (a passing array's report is not kept)
    ]
    failing = [m for m in mismatches if m.mismatched]
    problem: Problem | None = None
    if any(m.shape_yours != m.shape_reference for m in failing):
        problem = "wrong-shape"
    return CaseVerdict(passed=not failing, mismatches=failing, problem=problem)


def _coarse(x: float) -> float:
    """``x`` to one significant digit."""
    return float(f"{x:.0e}") if np.isfinite(x) else x


def _as_float(array: np.ndarray) -> np.ndarray:
    if array.dtype.kind == "c":
        return np.asarray(array.real, dtype=np.float64) if not np.any(array.imag) else np.full(
            array.shape, np.nan
        )
    return np.asarray(array, dtype=np.float64)
