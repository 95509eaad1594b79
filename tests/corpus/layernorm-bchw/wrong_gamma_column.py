# expect: failed
# diagnoses: affine-batch-axis, wrong-shape
import numpy as np


def layer_normalization(X, gamma, beta, epsilon=1e-5):
    mean = X.mean(axis=(1, 2, 3), keepdims=True)
    var = X.var(axis=(1, 2, 3), keepdims=True)
    X_hat = (X - mean) / np.sqrt(var + epsilon)
    return gamma.reshape(-1, 1, 1, 1) * X_hat + beta.reshape(-1, 1, 1, 1)
