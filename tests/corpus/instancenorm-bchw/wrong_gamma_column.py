# expect: failed
# diagnoses: affine-batch-axis
import numpy as np


def instance_normalization(X, gamma, beta, epsilon=1e-5):
    mean = X.mean(axis=(2, 3), keepdims=True)
    var = X.var(axis=(2, 3), keepdims=True)
    x_hat = (X - mean) / np.sqrt(var + epsilon)
    return gamma[:, None, None, None] * x_hat + beta[:, None, None, None]
