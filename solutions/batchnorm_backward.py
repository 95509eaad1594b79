"""Reference solution for kata ``batchnorm-backward``.

Backward pass of training-mode batch normalization on (N, D) activations
(batch statistics, biased variance), in closed form.  With m = N,
x_hat = (x - mean) / sqrt(var + epsilon) and y = gamma * x_hat + beta:

    dbeta  = sum_i dout_i
    dgamma = sum_i dout_i * x_hat_i
    dx     = gamma / (m * sqrt(var + epsilon)) * (m * dout - dbeta - x_hat * dgamma)

The last line accounts for x reaching the output three ways: directly,
through the mean and through the variance.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def batch_norm_backward(
    dout: npt.ArrayLike, x: npt.ArrayLike, gamma: npt.ArrayLike, epsilon: float = 1e-5
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.asarray(x)
    out_dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.dtype(np.float64)
    xf = x.astype(np.float64)
    g = np.asarray(dout, dtype=np.float64)
    gamma = np.asarray(gamma, dtype=np.float64)
    m = xf.shape[0]

    mean = xf.mean(axis=0)
    var = xf.var(axis=0)  # biased, as in the forward pass
    inv_std = 1.0 / np.sqrt(var + epsilon)
    x_hat = (xf - mean) * inv_std

    dbeta = g.sum(axis=0)
    dgamma = (g * x_hat).sum(axis=0)
    dx = (gamma * inv_std / m) * (m * g - dbeta - x_hat * dgamma)
    return (
        dx.astype(out_dtype, copy=False),
        dgamma.astype(out_dtype, copy=False),
        dbeta.astype(out_dtype, copy=False),
    )
