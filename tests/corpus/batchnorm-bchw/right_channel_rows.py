# expect: passed
# One row per channel: (C, N*H*W).
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    rows = np.moveaxis(X, 1, 0).reshape(X.shape[1], -1)
    mean = rows.mean(axis=1, keepdims=True)
    std = np.sqrt(rows.var(axis=1, keepdims=True) + epsilon)
    normed = (rows - mean) / std
    out = gamma[:, None] * normed + beta[:, None]
    moved_shape = (X.shape[1], X.shape[0], X.shape[2], X.shape[3])
    return np.moveaxis(out.reshape(moved_shape), 0, 1)
