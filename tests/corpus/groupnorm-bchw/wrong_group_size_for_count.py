# expect: failed
# diagnoses: group-norm
# reduced_axes: 1, 2, 3
# num_groups read as the number of channels in each group.
import numpy as np


def group_normalization(X, gamma, beta, num_groups, epsilon=1e-5):
    N, C, H, W = X.shape
    grouped = X.reshape(N, C // num_groups, num_groups, H, W)
    mean = grouped.mean(axis=(2, 3, 4), keepdims=True)
    var = grouped.var(axis=(2, 3, 4), keepdims=True)
    X_hat = ((grouped - mean) / np.sqrt(var + epsilon)).reshape(N, C, H, W)
    return gamma.reshape(1, C, 1, 1) * X_hat + beta.reshape(1, C, 1, 1)
