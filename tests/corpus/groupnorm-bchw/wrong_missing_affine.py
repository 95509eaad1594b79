# expect: failed
# diagnoses: missing-affine
import numpy as np


def group_normalization(X, gamma, beta, num_groups, epsilon=1e-5):
    N, C, H, W = X.shape
    grouped = X.reshape(N, num_groups, -1)
    mean = grouped.mean(axis=2, keepdims=True)
    var = grouped.var(axis=2, keepdims=True)
    return ((grouped - mean) / np.sqrt(var + epsilon)).reshape(N, C, H, W)
