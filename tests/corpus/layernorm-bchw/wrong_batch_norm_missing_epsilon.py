# expect: failed
# diagnoses: batch-norm, missing-epsilon
# reduced_axes: 0, 2, 3
import numpy as np


def layer_normalization(X, gamma, beta, epsilon=1e-5):
    mean = X.mean(axis=(0, 2, 3), keepdims=True)
    std = X.std(axis=(0, 2, 3), keepdims=True)
    return gamma.reshape(1, -1, 1, 1) * (X - mean) / std + beta.reshape(1, -1, 1, 1)
