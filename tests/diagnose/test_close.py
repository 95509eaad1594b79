"""The fit's fast comparisons give `np.allclose`'s answer (NaN matching NaN) on every input."""

from __future__ import annotations

import numpy as np
import pytest

from normkatas.diagnose.context import allclose, bounds, close, close_within, first_values
from normkatas.spec.model import Tolerance

SPECIAL = [0.0, -0.0, 1.0, -1.0, 1e-7, 1e300, -1e300, np.inf, -np.inf, np.nan, 5e-324]


def _expected(a: np.ndarray, b: np.ndarray, tol: Tolerance) -> bool:
    with np.errstate(all="ignore"):
        return bool(np.allclose(a, b, rtol=tol.rtol, atol=tol.atol, equal_nan=True))


def _pairs() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(7)
    out = []
    for x in SPECIAL:
        for y in SPECIAL:
            out.append((np.array([x, 1.0]), np.array([y, 1.0])))  # the first element decides
            out.append((np.array([1.0, x]), np.array([1.0, y])))  # a later one decides
    for _ in range(300):
        b = rng.normal(size=(2, 3))
        a = b + rng.choice([0.0, 1e-9, 1e-5, 1e-3, 1.0]) * rng.normal(size=b.shape)
        for arr in (a, b):
            mask = rng.random(arr.shape) < 0.1
            arr[mask] = rng.choice(SPECIAL, size=int(mask.sum()))
        out.append((a, b))
    return out


@pytest.mark.parametrize("tol", [Tolerance(), Tolerance(rtol=0.0, atol=0.0),
                                 Tolerance(rtol=1e-3, atol=0)])
def test_fast_comparisons_agree_with_numpy(tol: Tolerance) -> None:
    for a, b in _pairs():
        want = _expected(a, b, tol)
        assert allclose(a, b, tol.rtol, tol.atol) == want, (a, b)
        assert close([a], [b], tol) == want, (a, b)
        assert close_within([a], [b], bounds([b], tol), tol) == want, (a, b)


def test_other_shapes_and_dtypes_are_not_close() -> None:
    tol = Tolerance()
    a, b = np.zeros(3), np.zeros(4)
    assert not close_within([a], [b], bounds([b], tol), tol)
    ints = np.array([1, 2, 3])
    assert close_within([ints.astype(np.float64)], [ints], bounds([ints], tol), tol)
    assert first_values([ints]) is None
    assert first_values([np.zeros(0)]) is None
    assert first_values([np.array([2.5, 1.0])]) == (2.5,)


def test_the_fit_tells_a_candidate_as_close_does() -> None:
    from types import SimpleNamespace

    from normkatas.diagnose.context import Item
    from normkatas.diagnose.fit import CANDIDATE_OUTPUTS, Candidate, matches
    from normkatas.diagnose.layout import Grouping

    ctx = SimpleNamespace(family=object())
    candidate = Candidate((("stage", "value"),), Grouping(frozenset({0})), ())
    for tol in (Tolerance(), Tolerance(rtol=0.0, atol=0.0)):
        for a, b in _pairs():
            item = Item(key="case", kwargs={}, call=None, outputs=[a], reference=[b], tol=tol,
                        kind="case", visible=True)
            for limits in (None, bounds([b], tol)):  # (made when first needed)
                item.cache[CANDIDATE_OUTPUTS] = {candidate: ([b], first_values([b]), limits)}
                assert matches(ctx, item, candidate) == _expected(a, b, tol), (a, b)  # type: ignore[arg-type]
