"""dgamma and dbeta summed over other axes than the batch are named as such, in
place of the bare shape error; a right sum kept as (1, D) stays a shape error."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.diagnose.harness import run

HEAD = '''import numpy as np


def batch_norm_backward(dout, x, gamma, epsilon=1e-5):
    std = np.sqrt(x.var(axis=0) + epsilon)
    x_hat = (x - x.mean(axis=0)) / std
    dx = gamma / std * (dout - dout.mean(axis=0) - x_hat * (dout * x_hat).mean(axis=0))
'''


def _grade(tmp_path: Path, lines: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "solution.py"
    path.write_text(HEAD + lines + "    return dx, dgamma, dbeta\n")
    return run("batchnorm-backward", path)


@pytest.mark.parametrize(("lines", "title"), [
    ("    dgamma = (dout * x_hat).sum(axis=1)\n    dbeta = dout.sum(axis=0)\n",
     "dgamma summed over axis 1 instead of over the batch"),
    ("    dgamma = (dout * x_hat).sum(axis=0)\n    dbeta = dout.sum()\n",
     "dbeta summed over every axis instead of over the batch"),
    ("    dgamma = (dout * x_hat).sum(axis=0)\n    dbeta = dout.sum(axis=1, keepdims=True)\n",
     "dbeta summed over axis 1 instead of over the batch"),
    ("    dgamma = dout * x_hat\n    dbeta = dout\n",
     "dgamma and dbeta not summed over the batch"),
])
def test_the_axes_are_named(tmp_path: Path, lines: str, title: str) -> None:
    result = _grade(tmp_path, lines)
    assert result.ids == {"parameter-gradient-axes"}
    assert result.diagnoses[0].title == title


def test_a_right_sum_with_kept_axes_is_a_shape_error(tmp_path: Path) -> None:
    result = _grade(tmp_path, "    dgamma = (dout * x_hat).sum(axis=0, keepdims=True)\n"
                              "    dbeta = dout.sum(axis=0)\n")
    assert result.ids == {"wrong-shape"}


def test_a_shape_the_sums_do_not_explain_is_left_to_the_shape_error(tmp_path: Path) -> None:
    result = _grade(tmp_path, "    dgamma = (dout * x).sum(axis=1)\n    dbeta = dout.sum(axis=0)\n")
    assert "parameter-gradient-axes" not in result.ids
