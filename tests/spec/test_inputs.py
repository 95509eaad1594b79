"""normkatas.spec.inputs: literal and generated arguments become arrays."""

from __future__ import annotations

import numpy as np
import pytest

from normkatas.spec.inputs import MaterializedCase, describe, generate, materialize
from normkatas.spec.library import KataLibrary
from normkatas.spec.load import parse_kata
from normkatas.spec.model import Generator, Kata
from normkatas.spec.resources import data_dir

HEAD = """\
id: k
title: T
statement: S
entry: f
returns: [{name: y}]
"""


def kata(params: str, cases: str) -> Kata:
    return parse_kata(HEAD + f"params: {params}\ncases:\n{cases}")


def one(args: str, params: str = "[{name: x}]") -> dict[str, object]:
    (case,) = materialize(kata(params, f"  - name: c\n    args: {args}\n"))
    return dict(case.kwargs)


def gen(**fields: object) -> np.ndarray:
    import msgspec

    return generate(msgspec.convert(fields, Generator))


def test_literal_lists_become_read_only_float64_arrays() -> None:
    x = one("{x: [[1, 2], [3, -2e3]]}")["x"]
    assert isinstance(x, np.ndarray)
    assert x.dtype == np.float64 and x.shape == (2, 2)
    assert x.tolist() == [[1.0, 2.0], [3.0, -2000.0]]
    assert not x.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        x[0, 0] = 5


def test_boolean_lists_stay_boolean() -> None:
    mask = one("{x: [true, false]}")["x"]
    assert isinstance(mask, np.ndarray) and mask.dtype == np.bool_


def test_scalars_stay_python_scalars() -> None:
    kw = one("{x: 1.0e-5, n: 2, training: true}",
             "[{name: x}, {name: n}, {name: training}]")
    assert type(kw["x"]) is float and kw["x"] == 1e-5
    assert type(kw["n"]) is int and kw["n"] == 2
    assert kw["training"] is True


def test_defaults_fill_missing_params_in_param_order() -> None:
    kw = one("{x: [1.0]}",
             "[{name: x}, {name: epsilon, default: 1e-5}, {name: w, default: [1, 2]}]")
    assert list(kw) == ["x", "epsilon", "w"]
    assert kw["epsilon"] == 1e-5
    assert isinstance(kw["w"], np.ndarray) and kw["w"].dtype == np.float64


def test_materialized_case_carries_its_spec() -> None:
    (case,) = materialize(kata("[{name: x}]", "  - name: first\n    args: {x: 1}\n"))
    assert isinstance(case, MaterializedCase)
    assert case.name == "first" and case.spec.name == "first"


def test_normal_matches_default_rng() -> None:
    x = gen(generate="normal", shape=[2, 3], seed=7, loc=1.0, scale=2.0)
    np.testing.assert_array_equal(x, np.random.default_rng(7).normal(1.0, 2.0, size=(2, 3)))


def test_known_values_across_platforms() -> None:
    # PCG64 + ziggurat: fixed by numpy's stream-compatibility policy.
    x = gen(generate="normal", shape=[3], seed=0)
    np.testing.assert_allclose(x, [0.12573022, -0.13210486, 0.64042265], atol=1e-8)


def test_uniform() -> None:
    x = gen(generate="uniform", shape=[1000], seed=1, low=-2.0, high=3.0)
    np.testing.assert_array_equal(x, np.random.default_rng(1).uniform(-2, 3, size=1000))
    assert x.min() >= -2 and x.max() < 3


def test_integers_are_float_unless_dtype_int() -> None:
    x = gen(generate="integers", shape=[50], seed=2, low=0, high=5)
    assert x.dtype == np.float64 and set(np.unique(x)) <= {0, 1, 2, 3, 4}
    assert np.all(x == np.round(x))
    y = gen(generate="integers", shape=[50], seed=2, low=0, high=5, dtype="int32")
    assert y.dtype == np.int32
    np.testing.assert_array_equal(x, y)


def test_arange_and_constant() -> None:
    x = gen(generate="arange", shape=[2, 3], start=1.0, step=0.5)
    assert x.tolist() == [[1.0, 1.5, 2.0], [2.5, 3.0, 3.5]]
    c = gen(generate="constant", shape=[2, 2], value=3.5)
    assert c.tolist() == [[3.5, 3.5], [3.5, 3.5]]


def test_channel_scales_offsets_and_constant_channels() -> None:
    base = np.random.default_rng(3).normal(0.0, 1.0, size=(4, 3, 2))
    x = gen(generate="normal", shape=[4, 3, 2], seed=3, loc=0.0,
            channel_scales=[1.0, 0.5, 2.0], channel_offsets=[0.0, 10.0, -1.0],
            constant_channels=[2])
    np.testing.assert_allclose(x[:, 0], base[:, 0])
    np.testing.assert_allclose(x[:, 1], base[:, 1] * 0.5 + 10.0)
    assert np.all(x[:, 2] == -1.0)  # loc + offset


def test_channel_axis_and_constant_without_offsets() -> None:
    x = gen(generate="normal", shape=[2, 3], seed=0, loc=4.0, channel_axis=0,
            constant_channels=[1])
    assert np.all(x[1] == 4.0) and not np.all(x[0] == 4.0)
    y = gen(generate="normal", shape=[2, 3], seed=0, channel_axis=-1, channel_offsets=[0, 0, 9])
    assert y[:, 2].min() > 5


def test_round_then_dtype_last() -> None:
    x = gen(generate="normal", shape=[5], seed=0, round=2)
    np.testing.assert_array_equal(x, np.round(x, 2))
    y = gen(generate="normal", shape=[5], seed=0, round=2, dtype="float32")
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, x.astype(np.float32))
    b = gen(generate="integers", shape=[8], seed=0, low=0, high=2, dtype="bool")
    assert b.dtype == np.bool_


def test_generated_arrays_are_read_only_and_deterministic() -> None:
    k = kata("[{name: x}]",
             "  - name: c\n    args: {x: {generate: normal, shape: [3, 4], seed: 9}}\n")
    first, second = materialize(k)[0].kwargs["x"], materialize(k)[0].kwargs["x"]
    assert not first.flags.writeable
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (np.zeros((2, 2, 2, 2)), "float64 (2, 2, 2, 2)"),
        (np.zeros(3, dtype=np.float32), "float32 (3,)"),
        (1e-5, "1e-05"),
        (True, "True"),
        (3, "3"),
        (None, "None"),
        ("train", "'train'"),
        (np.float32(0.5), "float32 0.5"),
        ([1, 2], "list of 2"),
    ],
)
def test_describe(value: object, text: str) -> None:
    assert describe(value) == text


BUNDLED = sorted(data_dir("katas").glob("*.yaml"))


@pytest.mark.skipif(not BUNDLED, reason="no bundled katas yet")
def test_bundled_katas_materialize_the_same_twice() -> None:
    catalogue = KataLibrary.from_dirs()
    katas = catalogue.all()
    for k in katas:
        first, cases = materialize(k), materialize(k)
        assert len(cases) == sum(c.steps is None for c in k.cases)  # sequences: their own
        for a, case in zip(first, cases, strict=True):
            assert list(case.kwargs) == [p.name for p in k.params]
            for name, value in case.kwargs.items():
                np.testing.assert_array_equal(np.asarray(a.kwargs[name]), np.asarray(value))
