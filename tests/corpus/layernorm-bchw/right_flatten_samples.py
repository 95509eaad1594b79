# expect: passed
# One row per sample: (N, C*H*W).
import numpy as np


def layer_normalization(X, gamma, beta, epsilon=1e-5):
    N = X.shape[0]
    rows = X.reshape(N, -1)
    mean = rows.mean(axis=1)[:, None]
    std = np.sqrt(((rows - mean) ** 2).mean(axis=1)[:, None] + epsilon)
    X_hat = ((rows - mean) / std).reshape(X.shape)
    return X_hat * gamma[:, None, None] + beta[:, None, None]
