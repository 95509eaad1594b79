# expect: failed
# diagnoses: layer-norm, unbiased-variance
# reduced_axes: 1, 2, 3
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    N = X.shape[0]
    flat = X.reshape(N, -1)
    mean = flat.mean(axis=1).reshape(N, 1, 1, 1)
    var = flat.var(axis=1, ddof=1).reshape(N, 1, 1, 1)
    X_hat = (X - mean) / np.sqrt(var + epsilon)
    return gamma[None, :, None, None] * X_hat + beta[None, :, None, None]
