# expect: failed
# diagnoses: unbiased-variance, affine-wrong-axis
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    m = X.shape[0] * X.shape[2] * X.shape[3]
    mean = X.sum(axis=(0, 2, 3), keepdims=True) / m
    var = ((X - mean) ** 2).sum(axis=(0, 2, 3), keepdims=True) / (m - 1)
    return gamma * (X - mean) / np.sqrt(var + epsilon) + beta
