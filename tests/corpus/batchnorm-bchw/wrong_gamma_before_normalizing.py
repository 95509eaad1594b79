# expect: failed
# diagnoses: gamma-before-normalizing
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    scaled = gamma.reshape(1, -1, 1, 1) * X
    mean = scaled.mean(axis=(0, 2, 3), keepdims=True)
    var = scaled.var(axis=(0, 2, 3), keepdims=True)
    return (scaled - mean) / np.sqrt(var + epsilon) + beta.reshape(1, -1, 1, 1)
