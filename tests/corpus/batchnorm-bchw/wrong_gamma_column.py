# expect: failed
# diagnoses: affine-batch-axis, wrong-shape
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    mean = X.mean(axis=(0, 2, 3), keepdims=True)
    var = X.var(axis=(0, 2, 3), keepdims=True)
    x_hat = (X - mean) / np.sqrt(var + epsilon)
    return gamma.reshape(-1, 1, 1, 1) * x_hat + beta.reshape(-1, 1, 1, 1)
