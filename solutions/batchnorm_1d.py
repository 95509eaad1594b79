"""Reference solution for kata ``batchnorm-1d``.

Batch normalization of one feature's activations over a mini-batch: a 1D
array of m values, a scalar scale and shift.  Returns the output together
with the batch mean and the (biased) batch variance.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def batch_norm_forward(
    x_batch: npt.ArrayLike, gamma: float, beta: float, epsilon: float = 1e-5
) -> tuple[np.ndarray, np.float64, np.float64]:
    x_batch = np.asarray(x_batch)
    out_dtype = x_batch.dtype if np.issubdtype(x_batch.dtype, np.floating) else np.dtype(np.float64)
    x = x_batch.astype(np.float64)

    mean = x.mean()
    var = x.var()  # biased: divides by m
    x_hat = (x - mean) / np.sqrt(var + epsilon)
    y = gamma * x_hat + beta
    return np.asarray(y).astype(out_dtype, copy=False), mean, var
