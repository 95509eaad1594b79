# expect: failed
# diagnoses: variance-other-axes
import numpy as np


def layer_normalization(X, gamma, beta, epsilon=1e-5):
    mean = X.mean(axis=(1, 2, 3), keepdims=True)
    var = X.var(axis=(2, 3), keepdims=True)
    X_hat = (X - mean) / np.sqrt(var + epsilon)
    return gamma[None, :, None, None] * X_hat + beta[None, :, None, None]
