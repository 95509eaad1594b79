"""Reference for the guide's Deep-ML port: gamma and beta arrive shaped (1, C, 1, 1)."""

import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    mean = X.mean(axis=(0, 2, 3), keepdims=True)
    var = X.var(axis=(0, 2, 3), keepdims=True)
    return gamma * (X - mean) / np.sqrt(var + epsilon) + beta
