# expect: failed
# diagnoses: epsilon-outside-sqrt
# Channels as rows of a (C, N*H*W) matrix.
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    N, C, H, W = X.shape
    rows = X.transpose(1, 0, 2, 3).reshape(C, -1)
    mean = rows.mean(axis=1, keepdims=True)
    std = np.sqrt(((rows - mean) ** 2).mean(axis=1, keepdims=True))
    rows_hat = (rows - mean) / (std + epsilon)
    Y = gamma[:, None] * rows_hat + beta[:, None]
    return Y.reshape(C, N, H, W).transpose(1, 0, 2, 3)
