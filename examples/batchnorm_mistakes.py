"""A solution of the batchnorm-bchw kata with two classic mistakes.

`grade examples/batchnorm_mistakes.py` names both and shows how to fix them.
"""

import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    mean = X.mean(axis=(1, 2, 3), keepdims=True)
    var = X.var(axis=(1, 2, 3), ddof=1, keepdims=True)
    X_hat = (X - mean) / np.sqrt(var + epsilon)
    return gamma.reshape(1, -1, 1, 1) * X_hat + beta.reshape(1, -1, 1, 1)
