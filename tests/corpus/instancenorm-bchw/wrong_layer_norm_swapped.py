# expect: failed
# diagnoses: layer-norm, gamma-beta-swapped
# reduced_axes: 1, 2, 3
import numpy as np


def instance_normalization(X, gamma, beta, epsilon=1e-5):
    flat = X.reshape(X.shape[0], -1)
    mean = flat.mean(axis=1)[:, None, None, None]
    var = flat.var(axis=1)[:, None, None, None]
    X_hat = (X - mean) / np.sqrt(var + epsilon)
    return beta[None, :, None, None] * X_hat + gamma[None, :, None, None]
