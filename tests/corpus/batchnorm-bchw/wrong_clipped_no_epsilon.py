# expect: failed
# diagnoses: non-finite-output
# Clips x_hat "for stability" but divides by a zero standard deviation first.
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    mean = X.mean(axis=(0, 2, 3), keepdims=True)
    std = X.std(axis=(0, 2, 3), keepdims=True)
    X_hat = np.clip((X - mean) / std, -3.0, 3.0)
    return gamma.reshape(1, -1, 1, 1) * X_hat + beta.reshape(1, -1, 1, 1)
