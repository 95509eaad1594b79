# expect: passed
# Statistics in float64 whatever the input dtype, result in the input dtype.
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    x = np.asarray(X, dtype=np.float64)
    mean = x.mean(axis=(0, 2, 3), dtype=np.float64, keepdims=True)
    var = x.var(axis=(0, 2, 3), dtype=np.float64, keepdims=True)
    y = (x - mean) / np.sqrt(var + epsilon)
    y = y * np.asarray(gamma, np.float64).reshape(1, -1, 1, 1)
    y = y + np.asarray(beta, np.float64).reshape(1, -1, 1, 1)
    return y.astype(X.dtype)
