# expect: failed
# diagnoses: gamma-before-normalizing
import numpy as np


def instance_normalization(X, gamma, beta, epsilon=1e-5):
    Z = gamma.reshape(1, -1, 1, 1) * X
    mean = Z.mean(axis=(2, 3), keepdims=True)
    var = Z.var(axis=(2, 3), keepdims=True)
    return (Z - mean) / np.sqrt(var + epsilon) + beta.reshape(1, -1, 1, 1)
