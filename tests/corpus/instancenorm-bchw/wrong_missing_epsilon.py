# expect: failed
# diagnoses: missing-epsilon
import numpy as np


def instance_normalization(X, gamma, beta, epsilon=1e-5):
    mean = X.mean(axis=(2, 3), keepdims=True)
    std = X.std(axis=(2, 3), keepdims=True)
    return gamma.reshape(1, -1, 1, 1) * (X - mean) / std + beta.reshape(1, -1, 1, 1)
