# expect: passed
# Sums with np.add.reduce, variance written out by hand.
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    axes = (0, 2, 3)
    m = X.shape[0] * X.shape[2] * X.shape[3]
    mean = np.add.reduce(X, axis=axes, keepdims=True) / m
    diff = X - mean
    var = np.add.reduce(diff * diff, axis=axes, keepdims=True) / m
    g = np.asarray(gamma).reshape(1, -1, 1, 1)
    b = np.asarray(beta).reshape(1, -1, 1, 1)
    return g * diff / np.sqrt(var + epsilon) + b
