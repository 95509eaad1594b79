# expect: passed
# Group of each channel as an index array; statistics gathered per channel.
import numpy as np


def group_normalization(X, gamma, beta, num_groups, epsilon=1e-5):
    N, C, H, W = X.shape
    group_of = np.arange(C) // (C // num_groups)
    sums = np.zeros((N, num_groups))
    np.add.at(sums, (slice(None), group_of), X.sum(axis=(2, 3)))
    count = (C // num_groups) * H * W
    mean = sums / count
    centered = X - mean[:, group_of, None, None]
    sq = np.zeros((N, num_groups))
    np.add.at(sq, (slice(None), group_of), (centered**2).sum(axis=(2, 3)))
    var = sq / count
    X_hat = centered / np.sqrt(var[:, group_of, None, None] + epsilon)
    return gamma[None, :, None, None] * X_hat + beta[None, :, None, None]
