"""Stages read on their own: groupings that follow no axis (interleaved channel
groups, rows of ``X.reshape(C, -1)``) found by perturbation and described as
they are, and the stage-by-stage report when no composition fits."""

from __future__ import annotations

import numpy as np
import pytest

from normkatas.diagnose.facts import shares
from normkatas.diagnose.families import group_stats
from normkatas.diagnose.layout import Grouping, Layout
from normkatas.diagnose.probes import positions
from normkatas.diagnose.stages import StageCheck, sentence
from normkatas.diagnose.structure import find_grouping

NCHW = Layout("NCHW")


def _normalized(x: np.ndarray, grouping: Grouping) -> np.ndarray:
    mean, var, _, _, _ = group_stats(x, grouping, {}, NCHW, 0)
    return (x - mean) / np.sqrt(var + 1e-5)


def _perturbed(x: np.ndarray, grouping: Grouping) -> list[tuple[tuple[int, ...], np.ndarray]]:
    out = []
    for pos in positions(x.shape):
        moved = x.copy()
        moved[pos] += 3.0
        out.append((pos, _normalized(moved, grouping)))
    return out


def _interleaved(x: np.ndarray, groups: int) -> np.ndarray:
    """An independent implementation: reshape(N, C // G, G, H, W)."""
    n, c, h, w = x.shape
    xr = x.reshape(n, c // groups, groups, h, w)
    mean = xr.mean(axis=(1, 3, 4), keepdims=True)
    var = xr.var(axis=(1, 3, 4), keepdims=True)
    return ((xr - mean) / np.sqrt(var + 1e-5)).reshape(x.shape)


def _rows(x: np.ndarray) -> np.ndarray:
    """An independent implementation: X.reshape(C, -1) without moving C first."""
    rows = x.reshape(x.shape[1], -1)
    out = (rows - rows.mean(axis=1, keepdims=True)) / np.sqrt(rows.var(axis=1, keepdims=True)
                                                              + 1e-5)
    return out.reshape(x.shape)


@pytest.mark.parametrize("shape,groups", [((2, 6, 2, 3), 2), ((3, 4, 2, 2), 2), ((2, 6, 2, 2), 3)])
def test_interleaved_groups_are_found_and_computed(shape: tuple[int, ...], groups: int) -> None:
    x = np.random.default_rng(0).normal(size=shape)
    grouping = Grouping(frozenset({1, 2, 3}), groups, interleaved=True)
    assert np.allclose(_normalized(x, grouping), _interleaved(x, groups))
    pairs = []
    for pos in positions(x.shape):
        moved = x.copy()
        moved[pos] += 3.0
        pairs.append((pos, _interleaved(moved, groups)))
    assert find_grouping(NCHW, _interleaved(x, groups), pairs) == grouping


def test_rows_of_a_reshape_without_transpose_are_found_and_computed() -> None:
    x = np.random.default_rng(1).normal(size=(2, 3, 2, 2))
    grouping = Grouping(frozenset(range(4)), rows_axis=1)
    assert np.allclose(_normalized(x, grouping), _rows(x))
    pairs = []
    for pos in positions(x.shape):
        moved = x.copy()
        moved[pos] += 3.0
        pairs.append((pos, _rows(moved)))
    assert find_grouping(NCHW, _rows(x), pairs) == grouping


def test_axis_groupings_are_still_read_as_axes() -> None:
    x = np.random.default_rng(2).normal(size=(2, 4, 2, 3))
    for grouping in (Grouping(frozenset({0, 2, 3})), Grouping(frozenset({1, 2, 3}), 2)):
        assert find_grouping(NCHW, _normalized(x, grouping), _perturbed(x, grouping)) == grouping


def test_the_shared_set_is_described_as_it_is() -> None:
    assert shares(6, 2, interleaved=True) == (
        "channel 0 shares its statistics with channels 2 and 4, not with channel 1")
    assert shares(6, 2, interleaved=False) == (
        "channel 0 shares its statistics with channels 1 and 2, not with channel 3")


def test_the_stage_report_names_the_right_stages_and_the_first_departure() -> None:
    checks = [StageCheck("your mean per channel", True),
              StageCheck("your variance per channel", False, 1.9, 1.2, "on channel 0"),
              StageCheck("the output", False, 3.0, 1.0)]
    assert sentence(checks) == ("your mean per channel is right; your variance per channel is"
                                " not: yours 1.9, expected 1.2 on channel 0")
    assert sentence([]) == ""
