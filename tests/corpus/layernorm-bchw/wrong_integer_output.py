# expect: failed
# diagnoses: integer-output
import numpy as np


def layer_normalization(X, gamma, beta, epsilon=1e-5):
    mean = X.mean(axis=(1, 2, 3), keepdims=True)
    var = X.var(axis=(1, 2, 3), keepdims=True)
    Y = np.empty(X.shape, dtype=int)
    Y[:] = gamma[None, :, None, None] * (X - mean) / np.sqrt(var + epsilon) \
        + beta[None, :, None, None]
    return Y
