# expect: failed
# diagnoses: instance-norm, epsilon-outside-sqrt
# reduced_axes: 2, 3
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    mean = X.mean(axis=(2, 3), keepdims=True)
    std = X.std(axis=(2, 3), keepdims=True)
    X_hat = (X - mean) / (std + epsilon)
    return gamma.reshape(1, -1, 1, 1) * X_hat + beta.reshape(1, -1, 1, 1)
