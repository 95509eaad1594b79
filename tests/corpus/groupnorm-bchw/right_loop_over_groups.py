# expect: passed
import numpy as np


def group_normalization(X, gamma, beta, num_groups, epsilon=1e-5):
    N, C, H, W = X.shape
    size = C // num_groups
    Y = np.empty(X.shape)
    for n in range(N):
        for g in range(num_groups):
            block = X[n, g * size:(g + 1) * size]
            mu = block.mean()
            var = block.var()
            Y[n, g * size:(g + 1) * size] = (block - mu) / np.sqrt(var + epsilon)
    return Y * gamma[None, :, None, None] + beta[None, :, None, None]
