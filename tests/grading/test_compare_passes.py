"""`passes` says what `compare_array` finds: no mismatched element, on every input."""

from __future__ import annotations

import numpy as np
import pytest

from normkatas.grading.compare import compare_array, compare_case, passes
from normkatas.sandbox.types import ArrayValue
from normkatas.spec.model import Tolerance

SPECIAL = [0.0, -0.0, 1.0, -1.0, 1e-7, 1e300, -1e300, np.inf, -np.inf, np.nan]


def _pairs() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(11)
    out = []
    for x in SPECIAL:
        for y in SPECIAL:
            out.append((np.array([1.0, x]), np.array([1.0, y])))
            out.append((np.array([x, 1.0]), np.array([y, 1.0])))  # the first element decides
    for _ in range(200):
        b = rng.normal(size=(3, 2))
        a = b + rng.choice([0.0, 1e-9, 1e-5, 1.0]) * rng.normal(size=b.shape)
        mask = rng.random(a.shape) < 0.1
        a[mask] = rng.choice(SPECIAL, size=int(mask.sum()))
        out.append((a, b))
        with np.errstate(over="ignore"):
            out.append((a.astype(np.float32), b))
        if np.isfinite(a).all() and np.abs(a).max() < 1e6:
            out.append((np.round(a * 100).astype(np.int64), b))
        out.append((a + 0j, b))
        out.append((a + 1j, b))
    out.append((np.zeros((2, 2)), np.zeros((2, 3))))
    out.append((np.zeros((0, 2)), np.zeros((0, 2))))
    return out


@pytest.mark.parametrize("tol", [Tolerance(), Tolerance(rtol=0.0, atol=0.0)])
def test_passes_is_compare_arrays_verdict(tol: Tolerance) -> None:
    for a, b in _pairs():
        report = compare_array(a, b, "y", tol, hidden=False)
        assert passes(a, b, tol) == (report.mismatched == 0 and a.shape == b.shape), (a, b)


def test_a_case_keeps_only_the_failing_outputs() -> None:
    tol = Tolerance()
    right, wrong = np.ones(3), np.array([1.0, 2.0, 1.0])
    value = ArrayValue(wrong, wrong.shape, str(wrong.dtype))
    verdict = compare_case(value, [right], ["y"], tol)
    assert not verdict.passed
    assert [m.mismatched for m in verdict.mismatches] == [1]
    ok = ArrayValue(right, right.shape, str(right.dtype))
    assert compare_case(ok, [right], ["y"], tol).passed
    assert compare_case(ok, [right], ["y"], tol).mismatches == []
