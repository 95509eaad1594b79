"""The reference solutions (solutions/*.py) against PyTorch and against calculus.

* every reference matches the corresponding torch.nn.functional call on
  hypothesis-drawn shapes and values (float64, tight tolerance);
* torch, used as a student, passes every case of every kata within the
  kata's tolerance (float32 cases included): the tolerances are fair;
* the backward reference matches torch autograd and central differences;
* the train/eval reference matches F.batch_norm, running buffers included;
* references never write into their inputs (materialized arrays are
  read-only) and written `expected` values agree with them.

Torch tests are marked `torch` and skipped when torch is not installed.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from normkatas.grading.reference import Reference, load_reference
from normkatas.spec.inputs import MaterializedCase, materialize
from normkatas.spec.load import load_kata
from normkatas.spec.model import Kata
from normkatas.spec.resources import data_dir

KATAS_DIR = data_dir("katas")
SOLUTIONS_DIR = data_dir("solutions")
KATA_IDS = sorted(p.stem for p in KATAS_DIR.glob("*.yaml"))

# float64 reference vs float64 torch: both compute the same formula, up to
# summation order (torch uses Welford's update).
RTOL64, ATOL64 = 1e-7, 1e-9

HYPOTHESIS = settings(max_examples=40, deadline=None, database=None)


@functools.cache
def kata(kata_id: str) -> Kata:
    return load_kata(KATAS_DIR / f"{kata_id}.yaml")


@functools.cache
def reference(kata_id: str) -> Reference:
    return load_reference(kata(kata_id), [SOLUTIONS_DIR])


@functools.cache
def cases(kata_id: str) -> list[MaterializedCase]:
    return materialize(kata(kata_id))


def case_params() -> list[Any]:
    params = []
    for kata_id in KATA_IDS:
        for case in kata(kata_id).cases:
            if case.steps is not None:  # a sequence: test_the_layer_katas_sequences_match_torch
                continue
            params.append(pytest.param(kata_id, case.name, id=f"{kata_id}/{case.name}"))
    return params


def the_case(kata_id: str, name: str) -> MaterializedCase:
    return next(c for c in cases(kata_id) if c.name == name)


@pytest.fixture(scope="module")
def torch() -> Any:
    """PyTorch, an optional extra: skipped without it, except where the environment says
    it must be there (CI sets NORMKATAS_REQUIRE_TORCH=1, so a broken install fails)."""
    if os.environ.get("NORMKATAS_REQUIRE_TORCH") == "1":
        import torch

        return torch
    return pytest.importorskip("torch")


# --------------------------------------------------------------------------
# torch versions of every kata: kwargs (numpy) -> list of numpy outputs


def _as_dtype(torch: Any, value: Any, like: Any) -> Any:
    return torch.from_numpy(np.array(value, dtype=np.float64)).to(like.dtype)


def _numpy(*tensors: Any) -> list[np.ndarray]:
    return [t.detach().numpy() for t in tensors]


def _x(torch: Any, value: Any) -> Any:
    # np.array copies (torch warns on read-only arrays, and case arrays are)
    # and keeps float32 as float32.
    return torch.from_numpy(np.array(value))


def torch_batchnorm_bchw(torch: Any, kw: Mapping[str, Any]) -> list[np.ndarray]:
    F = torch.nn.functional
    X = _x(torch, kw["X"])
    g, b = _as_dtype(torch, kw["gamma"], X), _as_dtype(torch, kw["beta"], X)
    return _numpy(F.batch_norm(X, None, None, g, b, training=True, eps=kw["epsilon"]))


def torch_layernorm_bchw(torch: Any, kw: Mapping[str, Any]) -> list[np.ndarray]:
    F = torch.nn.functional
    X = _x(torch, kw["X"])
    C, H, W = X.shape[1:]
    # per-channel affine = an element-wise affine constant over (H, W)
    g = _as_dtype(torch, kw["gamma"], X)[:, None, None].expand(C, H, W)
    b = _as_dtype(torch, kw["beta"], X)[:, None, None].expand(C, H, W)
    return _numpy(F.layer_norm(X, (C, H, W), g, b, eps=kw["epsilon"]))


def torch_instancenorm_bchw(torch: Any, kw: Mapping[str, Any]) -> list[np.ndarray]:
    F = torch.nn.functional
    X = _x(torch, kw["X"])
    g, b = _as_dtype(torch, kw["gamma"], X), _as_dtype(torch, kw["beta"], X)
    return _numpy(F.instance_norm(X, weight=g, bias=b, eps=kw["epsilon"]))


def torch_groupnorm_bchw(torch: Any, kw: Mapping[str, Any]) -> list[np.ndarray]:
    F = torch.nn.functional
    X = _x(torch, kw["X"])
    g, b = _as_dtype(torch, kw["gamma"], X), _as_dtype(torch, kw["beta"], X)
    return _numpy(F.group_norm(X, int(kw["num_groups"]), g, b, eps=kw["epsilon"]))


def torch_batchnorm_1d(torch: Any, kw: Mapping[str, Any]) -> list[np.ndarray]:
    F = torch.nn.functional
    x = _x(torch, kw["x_batch"])
    g = torch.tensor([float(kw["gamma"])], dtype=x.dtype)
    b = torch.tensor([float(kw["beta"])], dtype=x.dtype)
    y = F.batch_norm(x[:, None], None, None, g, b, training=True, eps=kw["epsilon"])[:, 0]
    return _numpy(y, x.mean(), torch.var(x, correction=0))


def torch_batchnorm_fc(torch: Any, kw: Mapping[str, Any]) -> list[np.ndarray]:
    F = torch.nn.functional
    X = _x(torch, kw["X"])
    g, b = _as_dtype(torch, kw["gamma"], X), _as_dtype(torch, kw["beta"], X)
    return _numpy(F.batch_norm(X, None, None, g, b, training=True, eps=kw["epsilon"]))


def torch_batchnorm_train_eval(torch: Any, kw: Mapping[str, Any]) -> list[np.ndarray]:
    F = torch.nn.functional
    x = _x(torch, kw["x"])
    g, b = _as_dtype(torch, kw["gamma"], x), _as_dtype(torch, kw["beta"], x)
    running_mean = _as_dtype(torch, kw["running_mean"], x)
    running_var = _as_dtype(torch, kw["running_var"], x)
    y = F.batch_norm(
        x, running_mean, running_var, g, b,
        training=bool(kw["training"]), momentum=kw["momentum"], eps=kw["epsilon"],
    )  # fmt: skip
    return _numpy(y, running_mean, running_var)  # buffers updated in place by torch


def torch_batchnorm_backward(torch: Any, kw: Mapping[str, Any]) -> list[np.ndarray]:
    F = torch.nn.functional
    x = _x(torch, kw["x"]).requires_grad_(True)
    g = _as_dtype(torch, kw["gamma"], x).requires_grad_(True)
    b = torch.zeros(x.shape[1], dtype=x.dtype, requires_grad=True)
    y = F.batch_norm(x, None, None, g, b, training=True, eps=kw["epsilon"])
    y.backward(_as_dtype(torch, kw["dout"], x))
    return _numpy(x.grad, g.grad, b.grad)


def torch_batchnorm_layer(torch: Any, kw: Mapping[str, Any]) -> list[np.ndarray]:
    """One forward call with its bn_param: out, and the running statistics after it
    (absent ones start from zeros, as the kata says)."""
    F = torch.nn.functional
    x = _x(torch, kw["x"])
    g, b = _as_dtype(torch, kw["gamma"], x), _as_dtype(torch, kw["beta"], x)
    p = kw["bn_param"]
    zeros = np.zeros(x.shape[1])
    running_mean = _as_dtype(torch, p.get("running_mean", zeros), x)
    running_var = _as_dtype(torch, p.get("running_var", zeros), x)
    y = F.batch_norm(
        x, running_mean, running_var, g, b, training=p["mode"] == "train",
        momentum=p.get("momentum", 0.1), eps=p.get("eps", 1e-5),
    )  # fmt: skip
    return _numpy(y, running_mean, running_var)


TORCH: dict[str, Callable[[Any, Mapping[str, Any]], list[np.ndarray]]] = {
    "batchnorm-bchw": torch_batchnorm_bchw,
    "layernorm-bchw": torch_layernorm_bchw,
    "instancenorm-bchw": torch_instancenorm_bchw,
    "groupnorm-bchw": torch_groupnorm_bchw,
    "batchnorm-1d": torch_batchnorm_1d,
    "batchnorm-fc": torch_batchnorm_fc,
    "batchnorm-train-eval": torch_batchnorm_train_eval,
    "batchnorm-backward": torch_batchnorm_backward,
    "batchnorm-layer": torch_batchnorm_layer,  # per call of its sequences (below)
}


def assert_outputs_close(
    ours: list[np.ndarray], theirs: list[np.ndarray], names: list[str], rtol: float, atol: float
) -> None:
    assert len(ours) == len(theirs) == len(names)
    for name, a, b in zip(names, ours, theirs, strict=True):
        a64 = np.asarray(a, dtype=np.float64)
        b64 = np.asarray(b, dtype=np.float64)
        assert a64.shape == b64.shape, f"{name}: shape {a64.shape} vs {b64.shape}"
        np.testing.assert_allclose(b64, a64, rtol=rtol, atol=atol, err_msg=name)


# --------------------------------------------------------------------------
# the kata files themselves


def test_every_kata_has_a_torch_cross_check() -> None:
    assert set(KATA_IDS) == set(TORCH)


@pytest.mark.parametrize("kata_id", KATA_IDS)
def test_kata_shape(kata_id: str) -> None:
    k = kata(kata_id)
    assert k.id == kata_id
    assert k.structure is not None
    assert sum(c.probe for c in k.cases) == 1, "exactly one probe case"
    assert any(c.example for c in k.cases)
    assert any(c.hidden for c in k.cases)
    assert all(c.note for c in k.cases), "every case says what it is there for"
    names = [c.name for c in k.cases]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(("kata_id", "case_name"), case_params())
def test_reference_runs_on_read_only_inputs(kata_id: str, case_name: str) -> None:
    case = the_case(kata_id, case_name)
    outputs = reference(kata_id).function(**case.kwargs)  # read-only arrays: writes raise
    outputs = [outputs] if len(kata(kata_id).returns) == 1 else list(outputs)
    for out in outputs:
        assert np.all(np.isfinite(out))
        for value in case.kwargs.values():
            if isinstance(value, np.ndarray):
                assert not np.shares_memory(np.asarray(out), value), "returns an input array"


@pytest.mark.parametrize(("kata_id", "case_name"), case_params())
def test_expected_values_agree_with_reference(kata_id: str, case_name: str) -> None:
    """Within the grading tolerance, or the case's own expected_atol."""
    case = the_case(kata_id, case_name)
    if case.spec.expected is None:
        return
    tol = case.spec.tolerance or kata(kata_id).tolerance
    outputs = reference(kata_id)(**case.kwargs)
    for out, spec in zip(outputs, kata(kata_id).returns, strict=True):
        if spec.name in case.spec.expected:
            written = np.asarray(case.spec.expected[spec.name], dtype=np.float64)
            slack = max(tol.atol, case.spec.expected_atol or 0.0)
            np.testing.assert_allclose(out, written, rtol=tol.rtol, atol=slack,
                                       err_msg=spec.name)


def test_seed_example_3_is_the_epsilon_zero_result() -> None:
    """Its printed values differ from the reference by about 4e-5 (see its note)."""
    case = the_case("batchnorm-bchw", "seed-example-3")
    written = np.asarray(case.spec.expected["Y"])  # type: ignore[index]
    with_eps = reference("batchnorm-bchw")(**case.kwargs)[0]
    without = reference("batchnorm-bchw")(**{**case.kwargs, "epsilon": 0.0})[0]
    np.testing.assert_allclose(without, written, atol=1e-12)
    assert 3e-5 < np.abs(with_eps - written).max() < 5e-5


@pytest.mark.torch
@pytest.mark.parametrize(("kata_id", "case_name"), case_params())
def test_torch_passes_every_case(torch: Any, kata_id: str, case_name: str) -> None:
    """PyTorch, as a student, is within the kata's tolerance on every case."""
    k = kata(kata_id)
    case = the_case(kata_id, case_name)
    tol = case.spec.tolerance or k.tolerance
    ours = reference(kata_id)(**case.kwargs)
    theirs = TORCH[kata_id](torch, case.kwargs)
    # within the grading tolerance, with a safety margin of 10
    assert_outputs_close(ours, theirs, [r.name for r in k.returns], tol.rtol / 10, tol.atol / 10)


# --------------------------------------------------------------------------
# hypothesis: random shapes and values, float64


def _values(shape: tuple[int, ...], bound: float = 50.0) -> st.SearchStrategy[np.ndarray]:
    elements = st.floats(
        -bound, bound, allow_nan=False, allow_infinity=False, allow_subnormal=False
    )
    return hnp.arrays(np.float64, shape, elements=elements)


EPSILONS = st.sampled_from([1e-5, 1e-3, 0.1])


@st.composite
def bchw_inputs(draw: st.DrawFn, min_pooled: int = 2) -> dict[str, Any]:
    N = draw(st.integers(1, 4))
    C = draw(st.integers(1, 5))
    H = draw(st.integers(1, 4))
    W = draw(st.integers(1, 4))
    scale = draw(st.sampled_from([1e-3, 1.0, 100.0]))
    return {
        "X": draw(_values((N, C, H, W))) * scale,
        "gamma": draw(_values((C,), 3.0)),
        "beta": draw(_values((C,), 3.0)),
        "epsilon": draw(EPSILONS),
    }


def _check_against_torch(torch: Any, kata_id: str, kwargs: dict[str, Any]) -> None:
    ours = reference(kata_id)(**kwargs)
    theirs = TORCH[kata_id](torch, kwargs)
    names = [r.name for r in kata(kata_id).returns]
    assert_outputs_close(ours, theirs, names, RTOL64, ATOL64)


@pytest.mark.torch
@HYPOTHESIS
@given(kwargs=bchw_inputs())
def test_batchnorm_bchw_matches_torch(torch: Any, kwargs: dict[str, Any]) -> None:
    N, _, H, W = kwargs["X"].shape
    if N * H * W < 2:  # torch refuses to train on one value per channel
        kwargs["X"] = np.concatenate([kwargs["X"], kwargs["X"] + 1.0])
    _check_against_torch(torch, "batchnorm-bchw", kwargs)


@pytest.mark.torch
@HYPOTHESIS
@given(kwargs=bchw_inputs())
def test_layernorm_bchw_matches_torch(torch: Any, kwargs: dict[str, Any]) -> None:
    _check_against_torch(torch, "layernorm-bchw", kwargs)


@pytest.mark.torch
@HYPOTHESIS
@given(kwargs=bchw_inputs())
def test_instancenorm_bchw_matches_torch(torch: Any, kwargs: dict[str, Any]) -> None:
    _, _, H, W = kwargs["X"].shape
    if H * W < 2:  # torch refuses one value per instance
        kwargs["X"] = np.concatenate([kwargs["X"], kwargs["X"] * 2.0 + 1.0], axis=3)
    _check_against_torch(torch, "instancenorm-bchw", kwargs)


@st.composite
def groupnorm_inputs(draw: st.DrawFn) -> dict[str, Any]:
    G = draw(st.integers(1, 4))
    C = G * draw(st.integers(1, 3))
    # W >= 2: torch refuses a group of a single value
    N, H, W = draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(2, 4))
    return {
        "X": draw(_values((N, C, H, W))),
        "gamma": draw(_values((C,), 3.0)),
        "beta": draw(_values((C,), 3.0)),
        "num_groups": G,
        "epsilon": draw(EPSILONS),
    }


@pytest.mark.torch
@HYPOTHESIS
@given(kwargs=groupnorm_inputs())
def test_groupnorm_bchw_matches_torch(torch: Any, kwargs: dict[str, Any]) -> None:
    _check_against_torch(torch, "groupnorm-bchw", kwargs)


def test_groupnorm_with_one_group_is_layernorm_and_with_c_groups_is_instancenorm() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, 6, 4, 5)) + np.arange(6)[:, None, None]
    g, b = rng.normal(size=6), rng.normal(size=6)
    gn = reference("groupnorm-bchw")
    np.testing.assert_allclose(
        gn(X=X, gamma=g, beta=b, num_groups=1, epsilon=1e-5)[0],
        reference("layernorm-bchw")(X=X, gamma=g, beta=b, epsilon=1e-5)[0],
        rtol=1e-12, atol=1e-12,
    )  # fmt: skip
    np.testing.assert_allclose(
        gn(X=X, gamma=g, beta=b, num_groups=6, epsilon=1e-5)[0],
        reference("instancenorm-bchw")(X=X, gamma=g, beta=b, epsilon=1e-5)[0],
        rtol=1e-12, atol=1e-12,
    )  # fmt: skip


def test_groupnorm_rejects_a_group_count_that_does_not_divide_c() -> None:
    with pytest.raises(ValueError, match="divide"):
        reference("groupnorm-bchw")(X=np.zeros((1, 6, 2, 2)), gamma=np.ones(6),
                                    beta=np.zeros(6), num_groups=4, epsilon=1e-5)  # fmt: skip


@st.composite
def matrix_inputs(draw: st.DrawFn, min_rows: int = 2) -> dict[str, Any]:
    N, D = draw(st.integers(min_rows, 8)), draw(st.integers(1, 6))
    scale = draw(st.sampled_from([1e-3, 1.0, 100.0]))
    return {
        "X": draw(_values((N, D))) * scale,
        "gamma": draw(_values((D,), 3.0)),
        "beta": draw(_values((D,), 3.0)),
        "epsilon": draw(EPSILONS),
    }


@pytest.mark.torch
@HYPOTHESIS
@given(kwargs=matrix_inputs())
def test_batchnorm_fc_matches_torch(torch: Any, kwargs: dict[str, Any]) -> None:
    _check_against_torch(torch, "batchnorm-fc", kwargs)


@pytest.mark.torch
@HYPOTHESIS
@given(
    x=st.integers(2, 40).flatmap(lambda m: _values((m,))),
    gamma=st.floats(-3, 3),
    beta=st.floats(-3, 3),
    epsilon=EPSILONS,
)
def test_batchnorm_1d_matches_torch(
    torch: Any, x: np.ndarray, gamma: float, beta: float, epsilon: float
) -> None:
    kwargs = {"x_batch": x, "gamma": gamma, "beta": beta, "epsilon": epsilon}
    _check_against_torch(torch, "batchnorm-1d", kwargs)


def test_batchnorm_1d_returns_biased_statistics() -> None:
    y, mean, var = reference("batchnorm-1d")(
        x_batch=np.array([1.0, 3.0, 5.0, 7.0]), gamma=2.0, beta=1.0, epsilon=0.001
    )
    assert float(mean) == 4.0
    assert float(var) == 5.0  # not 20/3 (unbiased), not 5.001
    np.testing.assert_allclose(y, 2.0 * np.array([-3, -1, 1, 3]) / np.sqrt(5.001) + 1.0)


@st.composite
def train_eval_inputs(draw: st.DrawFn) -> dict[str, Any]:
    kwargs = draw(matrix_inputs())
    D = kwargs["X"].shape[1]
    return {
        "x": kwargs.pop("X"),
        **kwargs,
        "running_mean": draw(_values((D,), 10.0)),
        "running_var": draw(hnp.arrays(np.float64, (D,), elements=st.floats(1e-3, 10.0))),
        "training": draw(st.booleans()),
        "momentum": draw(st.sampled_from([0.0, 0.1, 0.3, 0.9, 1.0])),
    }


@pytest.mark.torch
@HYPOTHESIS
@given(kwargs=train_eval_inputs())
def test_batchnorm_train_eval_matches_torch(torch: Any, kwargs: dict[str, Any]) -> None:
    """y and the running buffers as torch leaves them after F.batch_norm."""
    _check_against_torch(torch, "batchnorm-train-eval", kwargs)


@HYPOTHESIS
@given(kwargs=train_eval_inputs())
def test_batchnorm_train_eval_leaves_the_buffers_alone(kwargs: dict[str, Any]) -> None:
    for name in ("running_mean", "running_var"):
        kwargs[name].flags.writeable = False
    before = {k: np.copy(kwargs[k]) for k in ("running_mean", "running_var")}
    _, new_mean, new_var = reference("batchnorm-train-eval")(**kwargs)
    for key, new in (("running_mean", new_mean), ("running_var", new_var)):
        np.testing.assert_array_equal(kwargs[key], before[key])
        assert not np.shares_memory(new, kwargs[key])
        if not kwargs["training"]:
            np.testing.assert_array_equal(new, before[key])


def test_batchnorm_train_eval_needs_two_samples_to_train() -> None:
    with pytest.raises(ValueError, match="two samples"):
        reference("batchnorm-train-eval")(
            x=np.ones((1, 3)), gamma=np.ones(3), beta=np.zeros(3), running_mean=np.zeros(3),
            running_var=np.ones(3), training=True, momentum=0.1, epsilon=1e-5,
        )  # fmt: skip


# --------------------------------------------------------------------------
# the backward pass: autograd and central differences


@st.composite
def backward_inputs(draw: st.DrawFn) -> dict[str, Any]:
    N, D = draw(st.integers(2, 6)), draw(st.integers(1, 4))
    x = draw(_values((N, D), 5.0))
    x = x + np.linspace(0.0, 1.0, N)[:, None]  # no constant feature
    return {
        "dout": draw(_values((N, D), 3.0)),
        "x": x,
        "gamma": draw(_values((D,), 3.0)),
        "epsilon": draw(EPSILONS),
    }


@pytest.mark.torch
@HYPOTHESIS
@given(kwargs=backward_inputs())
def test_batchnorm_backward_matches_autograd(torch: Any, kwargs: dict[str, Any]) -> None:
    _check_against_torch(torch, "batchnorm-backward", kwargs)


def _loss(
    dout: np.ndarray, x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float
) -> float:
    """sum(dout * y): its gradient with respect to y is dout."""
    mean = x.mean(axis=0)
    var = ((x - mean) ** 2).mean(axis=0)
    y = gamma * (x - mean) / np.sqrt(var + eps) + beta
    return float(np.sum(dout * y))


def _central_difference(f: Callable[[np.ndarray], float], at: np.ndarray, h: float) -> np.ndarray:
    grad = np.zeros_like(at)
    for index in np.ndindex(at.shape):
        step = np.zeros_like(at)
        step[index] = h
        grad[index] = (f(at + step) - f(at - step)) / (2 * h)
    return grad


def _numerical_gradients(
    dout: np.ndarray, x: np.ndarray, gamma: np.ndarray, eps: float, h: float = 1e-6
) -> list[np.ndarray]:
    """(dx, dgamma, dbeta) by central differences of `_loss`, in float64."""
    beta = np.zeros_like(gamma)
    return [
        _central_difference(lambda v: _loss(dout, v, gamma, beta, eps), x, h),
        _central_difference(lambda v: _loss(dout, x, v, beta, eps), gamma, h),
        _central_difference(lambda v: _loss(dout, x, gamma, v, eps), beta, h),
    ]


def _assert_gradients_close(ours: list[np.ndarray], numeric: list[np.ndarray], what: str) -> None:
    for name, a, b in zip(("dx", "dgamma", "dbeta"), ours, numeric, strict=True):
        atol = 1e-6 * (1.0 + float(np.abs(b).max()))
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=atol, err_msg=f"{what}: {name}")


@HYPOTHESIS
@given(kwargs=backward_inputs())
def test_batchnorm_backward_matches_numerical_gradient(kwargs: dict[str, Any]) -> None:
    ours = reference("batchnorm-backward")(**kwargs)
    numeric = _numerical_gradients(kwargs["dout"], kwargs["x"], kwargs["gamma"], kwargs["epsilon"])
    _assert_gradients_close(ours, numeric, "hypothesis")


@pytest.mark.parametrize("case_name", [c.name for c in kata("batchnorm-backward").cases])
def test_batchnorm_backward_matches_numerical_gradient_on_cases(case_name: str) -> None:
    case = the_case("batchnorm-backward", case_name)
    kw = {k: np.array(v, dtype=np.float64) if isinstance(v, np.ndarray) else v
          for k, v in case.kwargs.items()}  # fmt: skip
    ours = reference("batchnorm-backward")(**kw)
    numeric = _numerical_gradients(kw["dout"], kw["x"], kw["gamma"], float(kw["epsilon"]))
    _assert_gradients_close(ours, numeric, case_name)


def test_backward_columns_of_dx_sum_to_zero() -> None:
    rng = np.random.default_rng(1)
    dx, _, _ = reference("batchnorm-backward")(
        dout=rng.normal(size=(7, 3)), x=rng.normal(size=(7, 3)), gamma=rng.normal(size=3),
        epsilon=1e-5,
    )  # fmt: skip
    np.testing.assert_allclose(dx.sum(axis=0), 0.0, atol=1e-12)


# --------------------------------------------------------------------------
# speed: references are vectorized


def test_references_run_on_large_inputs() -> None:

    rng = np.random.default_rng(2)
    X = rng.normal(size=(32, 16, 32, 32))  # 524 288 values
    g, b = np.ones(16), np.zeros(16)
    calls: list[Callable[[], object]] = [
        lambda: reference("batchnorm-bchw")(X=X, gamma=g, beta=b, epsilon=1e-5),
        lambda: reference("layernorm-bchw")(X=X, gamma=g, beta=b, epsilon=1e-5),
        lambda: reference("instancenorm-bchw")(X=X, gamma=g, beta=b, epsilon=1e-5),
        lambda: reference("groupnorm-bchw")(X=X, gamma=g, beta=b, num_groups=4, epsilon=1e-5),
    ]
    for call in calls:
        call()  # an element loop would take minutes (the suite's own timeout catches it)


@pytest.mark.torch
def test_the_layer_katas_sequences_match_torch(torch: Any) -> None:
    """Every call of every sequence of `batchnorm-layer`: the forward pass against
    F.batch_norm with running buffers, the backward pass against autograd on the
    forward call whose cache it reads."""
    from normkatas.grading.sequence import prepare_sequence, reference_functions
    from normkatas.spec.inputs import materialize_sequences

    k = kata("batchnorm-layer")
    functions = reference_functions(k, [SOLUTIONS_DIR], reference("batchnorm-layer").function)
    for seq in materialize_sequences(k):
        prepared = prepare_sequence(seq, functions)
        for step in seq.steps:
            kw = prepared.inputs[step.index]
            got = prepared.results[step.index]
            if step.function.name == "batchnorm_forward":
                out, mean, var = torch_batchnorm_layer(torch, kw)
                assert_outputs_close(
                    [got["out"], got["bn_param.running_mean"], got["bn_param.running_var"]],
                    [out, mean, var], ["out", "running_mean", "running_var"], RTOL64, ATOL64)
                continue
            source = prepared.inputs[step.carry["cache"].step]
            theirs = torch_batchnorm_backward(torch, {
                "x": source["x"], "gamma": source["gamma"], "dout": kw["dout"],
                "epsilon": source["bn_param"].get("eps", 1e-5)})
            assert_outputs_close([got["dx"], got["dgamma"], got["dbeta"]], theirs,
                                 ["dx", "dgamma", "dbeta"], RTOL64, ATOL64)
