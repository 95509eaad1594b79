# expect: failed
# diagnoses: layer-norm, unbiased-variance, epsilon-outside-sqrt, gamma-beta-swapped
# reduced_axes: 1, 2, 3
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    mean = X.mean(axis=(1, 2, 3), keepdims=True)
    std = X.std(axis=(1, 2, 3), keepdims=True, ddof=1)
    X_hat = (X - mean) / (std + epsilon)
    return beta.reshape(1, -1, 1, 1) * X_hat + gamma.reshape(1, -1, 1, 1)
