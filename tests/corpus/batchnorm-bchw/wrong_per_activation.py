# expect: failed
# diagnoses: per-activation
# reduced_axes: 0
# "Method 2": one mean per (c, h, w) position, over the batch only.
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    mu = np.mean(X, axis=0)
    var = np.var(X, axis=0)
    X_hat = (X - mu) / np.sqrt(var + epsilon)
    return gamma[:, None, None] * X_hat + beta[:, None, None]
