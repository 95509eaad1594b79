"""Reference solution for kata ``batchnorm-bchw``.

Batch normalization of an (N, C, H, W) feature map: one mean and one
(biased) variance per channel, taken over the batch and both spatial axes.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

STAT_AXES = (0, 2, 3)  # N, H, W: everything except the channel axis


def batch_normalization(
    X: npt.ArrayLike, gamma: npt.ArrayLike, beta: npt.ArrayLike, epsilon: float = 1e-5
) -> np.ndarray:
    X = np.asarray(X)
    out_dtype = X.dtype if np.issubdtype(X.dtype, np.floating) else np.dtype(np.float64)
    x = X.astype(np.float64)  # statistics in float64, even for float32 input

    mean = x.mean(axis=STAT_AXES, keepdims=True)  # (1, C, 1, 1)
    var = x.var(axis=STAT_AXES, keepdims=True)  # biased: divides by N*H*W
    x_hat = (x - mean) / np.sqrt(var + epsilon)

    per_channel = (1, -1, 1, 1)
    Y = np.reshape(gamma, per_channel) * x_hat + np.reshape(beta, per_channel)
    return Y.astype(out_dtype, copy=False)
