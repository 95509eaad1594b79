# expect: failed
# diagnoses: float32-precision
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    X = X.astype(np.float32)
    mean = X.mean(axis=(0, 2, 3), keepdims=True)
    var = X.var(axis=(0, 2, 3), keepdims=True)
    x_hat = (X - mean) / np.sqrt(var + np.float32(epsilon))
    g = gamma.astype(np.float32).reshape(1, -1, 1, 1)
    b = beta.astype(np.float32).reshape(1, -1, 1, 1)
    return g * x_hat + b
