# expect: failed
# diagnoses: float32-precision
import numpy as np


def layer_normalization(X, gamma, beta, epsilon=1e-5):
    X = X.astype("float32")
    mean = X.mean(axis=(1, 2, 3), keepdims=True)
    var = X.var(axis=(1, 2, 3), keepdims=True)
    X_hat = (X - mean) / np.sqrt(var + np.float32(epsilon))
    return (gamma[None, :, None, None] * X_hat + beta[None, :, None, None]).astype(np.float32)
