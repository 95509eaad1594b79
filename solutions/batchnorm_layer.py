"""Reference solution for kata ``batchnorm-layer``.

A batch normalization layer in two functions, in the manner of many course
assignments: the forward pass reads its mode and running statistics from a
``bn_param`` dict, updates the running statistics in it (training), and
returns a cache that the backward pass reads.

* training: normalize (N, D) activations with the batch mean and the biased
  batch variance; ``running = (1 - momentum) * running + momentum * batch``
  (momentum weighs the *new* batch, as in PyTorch), where the variance
  averaged in is the unbiased one (divided by N - 1);
* test: normalize with the running statistics, which stay as they are.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def batchnorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, bn_param: dict[str, Any]
) -> tuple[np.ndarray, dict[str, Any]]:
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.1)
    n, d = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(d, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(d, dtype=x.dtype))

    if mode == "train":
        mean = x.mean(axis=0)
        var = x.var(axis=0)
        unbiased = var * n / (n - 1)
        bn_param["running_mean"] = (1 - momentum) * running_mean + momentum * mean
        bn_param["running_var"] = (1 - momentum) * running_var + momentum * unbiased
    elif mode == "test":
        mean, var = running_mean, running_var
        bn_param["running_mean"], bn_param["running_var"] = running_mean, running_var
    else:
        raise ValueError(f"invalid batchnorm mode {mode!r}")

    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    out = gamma * x_hat + beta
    return out, {"x_hat": x_hat, "gamma": gamma, "inv_std": inv_std}


def batchnorm_backward(
    dout: np.ndarray, cache: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x_hat, gamma, inv_std = cache["x_hat"], cache["gamma"], cache["inv_std"]
    n = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dx = inv_std / n * (n * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
    return dx, dgamma, dbeta
