# expect: failed
# diagnoses: unbiased-variance
import numpy as np


def group_normalization(X, gamma, beta, num_groups, epsilon=1e-5):
    N, C, H, W = X.shape
    grouped = X.reshape(N, num_groups, -1)
    mean = grouped.mean(axis=2, keepdims=True)
    var = grouped.var(axis=2, ddof=1, keepdims=True)
    X_hat = ((grouped - mean) / np.sqrt(var + epsilon)).reshape(N, C, H, W)
    return gamma.reshape(1, C, 1, 1) * X_hat + beta.reshape(1, C, 1, 1)
