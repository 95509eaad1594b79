"""Reference solution for kata ``batchnorm-train-eval``.

Batch normalization of (N, D) activations with running statistics, with
PyTorch's conventions:

* training: normalize with the batch mean and the biased batch variance;
  update ``running = (1 - momentum) * running + momentum * batch_stat``,
  where the variance fed into the running average is the *unbiased* one;
* evaluation: normalize with the running statistics and return them
  unchanged.

The caller's running buffers are never modified: new arrays are returned.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def batch_norm_train_eval(
    x: npt.ArrayLike,
    gamma: npt.ArrayLike,
    beta: npt.ArrayLike,
    running_mean: npt.ArrayLike,
    running_var: npt.ArrayLike,
    training: bool,
    momentum: float = 0.1,
    epsilon: float = 1e-5,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.asarray(x)
    out_dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.dtype(np.float64)
    xf = x.astype(np.float64)
    # np.array copies: the caller's buffers stay untouched.
    old_mean = np.array(running_mean, dtype=np.float64)
    old_var = np.array(running_var, dtype=np.float64)

    if training:
        m = xf.shape[0]
        if m < 2:
            raise ValueError("training needs at least two samples per feature")
        mean = xf.mean(axis=0)
        var = xf.var(axis=0)  # biased: used to normalize
        unbiased_var = var * m / (m - 1)  # unbiased: fed to the running average
        new_mean = (1 - momentum) * old_mean + momentum * mean
        new_var = (1 - momentum) * old_var + momentum * unbiased_var
    else:
        mean, var = old_mean, old_var
        new_mean, new_var = old_mean, old_var

    y = np.asarray(gamma) * (xf - mean) / np.sqrt(var + epsilon) + np.asarray(beta)
    return y.astype(out_dtype, copy=False), new_mean, new_var
