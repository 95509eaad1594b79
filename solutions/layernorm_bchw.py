"""Reference solution for kata ``layernorm-bchw``.

Layer normalization of an (N, C, H, W) feature map: one mean and one
(biased) variance per sample, taken over channels and both spatial axes;
the affine parameters are per channel.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

STAT_AXES = (1, 2, 3)  # C, H, W: everything except the batch axis


def layer_normalization(
    X: npt.ArrayLike, gamma: npt.ArrayLike, beta: npt.ArrayLike, epsilon: float = 1e-5
) -> np.ndarray:
    X = np.asarray(X)
    out_dtype = X.dtype if np.issubdtype(X.dtype, np.floating) else np.dtype(np.float64)
    x = X.astype(np.float64)

    mean = x.mean(axis=STAT_AXES, keepdims=True)  # (N, 1, 1, 1)
    var = x.var(axis=STAT_AXES, keepdims=True)  # biased: divides by C*H*W
    x_hat = (x - mean) / np.sqrt(var + epsilon)

    per_channel = (1, -1, 1, 1)
    Y = np.reshape(gamma, per_channel) * x_hat + np.reshape(beta, per_channel)
    return Y.astype(out_dtype, copy=False)
