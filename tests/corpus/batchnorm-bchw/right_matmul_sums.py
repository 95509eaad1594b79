# expect: passed
# Per-channel sums as a matrix product with a vector of ones.
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    N, C, H, W = X.shape
    rows = X.transpose(1, 0, 2, 3).reshape(C, N * H * W)
    ones = np.ones(N * H * W) / (N * H * W)
    mean = rows @ ones
    centered = rows - mean[:, None]
    var = (centered * centered) @ ones
    out = centered * (gamma / np.sqrt(var + epsilon))[:, None] + beta[:, None]
    return out.reshape(C, N, H, W).transpose(1, 0, 2, 3)
