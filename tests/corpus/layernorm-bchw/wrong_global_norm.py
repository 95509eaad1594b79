# expect: failed
# diagnoses: global-norm
# reduced_axes: 0, 1, 2, 3
import numpy as np


def layer_normalization(X, gamma, beta, epsilon=1e-5):
    X_hat = (X - np.mean(X)) / np.sqrt(np.var(X) + epsilon)
    return gamma[None, :, None, None] * X_hat + beta[None, :, None, None]
