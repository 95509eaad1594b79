"""The comparison of a student's return value with the reference outputs."""

from __future__ import annotations

import numpy as np
import pytest

from normkatas.grading.compare import compare_array, compare_case
from normkatas.sandbox.types import ArrayValue, NoneValue, OtherValue, SequenceValue
from normkatas.sandbox.values import as_outputs, classify_value, sized_outputs
from normkatas.spec.model import Tolerance

TOL = Tolerance(rtol=1e-5, atol=1e-6)


def arr(a: object) -> ArrayValue:
    x = np.asarray(a, dtype=float)
    return ArrayValue(x, x.shape, str(x.dtype))


def refused(shape: tuple[int, ...]) -> ArrayValue:
    return ArrayValue(None, shape, "float64", refused="too-large")


def test_one_output_must_be_an_array() -> None:
    assert [a.tolist() for a in as_outputs(arr([1, 2]), 1) or []] == [[1.0, 2.0]]
    assert as_outputs(SequenceValue("tuple", (arr([1]),)), 1) is None
    assert as_outputs(None, 1) is None


def test_several_outputs_must_be_a_sequence_of_that_many_arrays() -> None:
    pair = SequenceValue("tuple", (arr([1]), arr(2.0)))
    assert len(as_outputs(pair, 2) or []) == 2
    assert as_outputs(pair, 3) is None
    assert as_outputs(SequenceValue("list", (arr([1]), OtherValue("str"))), 2) is None


def test_sized_outputs_keep_arrays_refused_for_their_size() -> None:
    assert sized_outputs(refused((10**9,)), 1) == [refused((10**9,))]
    assert sized_outputs(ArrayValue(None, (2,), "object", refused="not-numeric"), 1) is None


@pytest.mark.parametrize(
    ("value", "n", "problem"),
    [
        (NoneValue(), 1, "returned-none"),
        (refused((5,)), 1, "refused"),
        (SequenceValue("tuple", (arr([1]), arr([2]))), 1, "wrong-return-type"),
        (SequenceValue("tuple", (arr([1]), refused((3,)))), 2, "refused"),
        (OtherValue("str", "'x'"), 1, "wrong-return-type"),
        (arr([1]), 1, None),
    ],
)
def test_classify_value(value: object, n: int, problem: str | None) -> None:
    assert classify_value(value, n) == problem  # type: ignore[arg-type]


def test_within_tolerance_passes_and_nan_never_matches() -> None:
    ref = np.array([1.0, 2.0, 3.0])
    close = compare_array(ref + 5e-7, ref, "Y", TOL, hidden=False)
    assert close.mismatched == 0
    bad = compare_array(np.array([1.0, np.nan, 3.5]), ref, "Y", TOL, hidden=False)
    assert bad.mismatched == 2 and bad.non_finite == 1
    assert bad.max_abs_diff == pytest.approx(0.5)
    assert [r.index for r in bad.rows] == [[1], [2]]
    assert bad.rows[0].yours is None and bad.rows[1].reference == 3.0


def test_hidden_cases_show_no_rows_and_coarse_figures() -> None:
    ref = np.array([1.0, 2.0])
    m = compare_array(np.array([1.0, 2.123456]), ref, "Y", TOL, hidden=True)
    assert m.rows == [] and m.max_abs_diff == 0.1


def test_compare_case_reports_wrong_shapes_even_for_refused_arrays() -> None:
    ref = [np.zeros((2, 3))]
    v = compare_case(arr(np.zeros((3, 2))), ref, ["Y"], TOL)
    assert not v.passed and v.problem == "wrong-shape"
    assert v.mismatches[0].shape_yours == [3, 2]
    giant = compare_case(refused((10**6, 10**4)), ref, ["Y"], TOL)
    assert giant.problem == "wrong-shape" and giant.mismatches[0].shape_yours == [10**6, 10**4]
    assert compare_case(arr(np.zeros((2, 3))), ref, ["Y"], TOL).passed
