"""Reference solution for kata ``batchnorm-fc``.

Batch normalization after a fully connected layer: X is (N, D), one mean
and one (biased) variance per feature, taken over the batch axis.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def batch_norm_fc(
    X: npt.ArrayLike, gamma: npt.ArrayLike, beta: npt.ArrayLike, epsilon: float = 1e-5
) -> np.ndarray:
    X = np.asarray(X)
    out_dtype = X.dtype if np.issubdtype(X.dtype, np.floating) else np.dtype(np.float64)
    x = X.astype(np.float64)

    mean = x.mean(axis=0)  # (D,)
    var = x.var(axis=0)  # biased: divides by N
    x_hat = (x - mean) / np.sqrt(var + epsilon)

    Y = np.asarray(gamma) * x_hat + np.asarray(beta)
    return Y.astype(out_dtype, copy=False)
