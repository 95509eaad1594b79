# expect: failed
# diagnoses: unbiased-variance, missing-epsilon
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    mean = X.mean(axis=(0, 2, 3), keepdims=True)
    std = X.std(axis=(0, 2, 3), keepdims=True, ddof=1)
    return gamma.reshape(1, -1, 1, 1) * (X - mean) / std + beta.reshape(1, -1, 1, 1)
