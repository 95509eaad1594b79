"""The axis finder: perturbation probes recover who shares statistics, whatever
else is wrong (ddof, epsilon, affine), for random shapes and values."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from normkatas.diagnose.layout import Grouping, Layout
from normkatas.diagnose.probes import positions
from normkatas.diagnose.structure import find_grouping, grouping_of

NCHW = Layout("NCHW")


def student(x: np.ndarray, axes: tuple[int, ...], groups: int | None, ddof: int, eps: str,
            affine: str) -> np.ndarray:
    """An independent implementation of a normalization with mistakes."""
    n, c = x.shape[0], x.shape[1]
    if groups:
        xr = x.reshape(n, groups, c // groups, *x.shape[2:])
        red = tuple(range(2, xr.ndim))
    else:
        xr, red = x, axes
    mean = xr.mean(axis=red, keepdims=True)
    m = int(np.prod([xr.shape[a] for a in red]))
    var = ((xr - mean) ** 2).sum(axis=red, keepdims=True) / (m - ddof)
    denom = {"inside": np.sqrt(var + 1e-5), "outside": np.sqrt(var) + 1e-5,
             "none": np.sqrt(var)}[eps]
    x_hat = ((xr - mean) / denom).reshape(x.shape)
    shape = [1] * x.ndim
    shape[1] = -1
    gamma = (1.0 + 0.5 * np.arange(c) / c).reshape(shape)
    beta = (0.25 + 0.5 * np.arange(c) / c).reshape(shape)
    if affine == "swapped":
        return beta * x_hat + gamma
    if affine == "none":
        return x_hat
    return gamma * x_hat + beta


def perturbations(x: np.ndarray, fn) -> tuple[np.ndarray, list[tuple[tuple[int, ...], np.ndarray]]]:
    delta = 1.0 + 2.0 * float(np.std(x))
    out = []
    for pos in positions(x.shape):
        moved = x.copy()
        moved[pos] += delta
        out.append((pos, fn(moved)))
    return fn(x), out


AXES = st.sets(st.integers(0, 3), min_size=1).map(lambda s: tuple(sorted(s)))
MISTAKES = st.tuples(st.sampled_from([0, 1]), st.sampled_from(["inside", "outside", "none"]),
                     st.sampled_from(["right", "swapped", "none"]))


@settings(max_examples=60, deadline=None)
@given(shape=st.tuples(*[st.integers(2, 5)] * 4), axes=AXES, mistakes=MISTAKES,
       seed=st.integers(0, 2**16), scale=st.sampled_from([0.01, 1.0, 50.0]))
def test_reduced_axes_are_recovered(shape, axes, mistakes, seed, scale) -> None:
    # two values normalize to -1 and +1 whatever they are: nothing moves
    assume(int(np.prod([shape[a] for a in axes])) >= 3)
    x = np.random.default_rng(seed).normal(3.0, scale, size=shape)
    ddof, eps, affine = mistakes
    base, moved = perturbations(x, lambda a: student(a, axes, None, ddof, eps, affine))
    assert find_grouping(NCHW, base, moved) == Grouping(frozenset(axes))


@settings(max_examples=30, deadline=None)
@given(n=st.integers(2, 4), groups=st.sampled_from([2, 3]), per=st.integers(2, 3),
       hw=st.tuples(st.integers(2, 4), st.integers(2, 4)), mistakes=MISTAKES,
       seed=st.integers(0, 2**16))
def test_channel_groups_are_recovered(n, groups, per, hw, mistakes, seed) -> None:
    x = np.random.default_rng(seed).normal(size=(n, groups * per, *hw))
    ddof, eps, affine = mistakes
    base, moved = perturbations(x, lambda a: student(a, (1, 2, 3), groups, ddof, eps, affine))
    assert find_grouping(NCHW, base, moved) == Grouping(frozenset({1, 2, 3}), groups)


@settings(max_examples=30, deadline=None)
@given(shape=st.tuples(st.integers(3, 8), st.integers(3, 8)),
       axes=st.sampled_from([(0,), (1,), (0, 1)]), seed=st.integers(0, 2**16))
def test_two_dimensional_layouts(shape, axes, seed) -> None:
    x = np.random.default_rng(seed).normal(size=shape)

    def fn(a: np.ndarray) -> np.ndarray:
        mean = a.mean(axis=axes, keepdims=True)
        return (a - mean) / np.sqrt(a.var(axis=axes, keepdims=True) + 1e-5)

    base, moved = perturbations(x, fn)
    assert find_grouping(Layout("NC"), base, moved) == Grouping(frozenset(axes))


def test_an_output_that_ignores_other_elements_has_no_grouping() -> None:
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 5))
    base, moved = perturbations(x, lambda a: 2 * a + 1)
    assert find_grouping(NCHW, base, moved) is None


def test_irregular_or_inconsistent_moves_have_no_grouping() -> None:
    x = np.random.default_rng(1).normal(size=(2, 3, 4, 5))
    base = x.copy()
    moved = x.copy()
    moved[0, 0, 0, 0] += 1
    moved[1, 2, 3, 4] += 1  # two separate places: not a box
    assert grouping_of(NCHW, base, (0, 0, 0, 0), moved) is None
    assert grouping_of(NCHW, base, (0, 0, 0, 0), x[:1]) is None  # another shape
