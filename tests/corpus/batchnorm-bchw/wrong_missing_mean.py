# expect: failed
# diagnoses: missing-mean
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    var = X.var(axis=(0, 2, 3), keepdims=True)
    X_hat = X / np.sqrt(var + epsilon)
    return gamma.reshape(1, -1, 1, 1) * X_hat + beta.reshape(1, -1, 1, 1)
