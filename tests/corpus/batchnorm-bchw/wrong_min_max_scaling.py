# expect: failed
# diagnoses: unrecognised
# Min-max scaling per channel: not a normalization the grader knows.
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    low = X.min(axis=(0, 2, 3), keepdims=True)
    high = X.max(axis=(0, 2, 3), keepdims=True)
    X_hat = (X - low) / (high - low + epsilon)
    return gamma.reshape(1, -1, 1, 1) * X_hat + beta.reshape(1, -1, 1, 1)
