# expect: failed
# diagnoses: float32-precision
import numpy as np


def instance_normalization(X, gamma, beta, epsilon=1e-5):
    X = X.astype(np.float32)
    mean = X.mean(axis=(2, 3), keepdims=True)
    var = X.var(axis=(2, 3), keepdims=True)
    X_hat = (X - mean) / np.sqrt(var + np.float32(epsilon))
    return gamma.astype(np.float32).reshape(1, -1, 1, 1) * X_hat + \
        beta.astype(np.float32).reshape(1, -1, 1, 1)
