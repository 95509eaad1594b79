# expect: failed
# diagnoses: gamma-before-normalizing
import numpy as np


def layer_normalization(X, gamma, beta, epsilon=1e-5):
    Z = X * gamma[None, :, None, None]
    mean = Z.mean(axis=(1, 2, 3), keepdims=True)
    var = Z.var(axis=(1, 2, 3), keepdims=True)
    return (Z - mean) / np.sqrt(var + epsilon) + beta[None, :, None, None]
