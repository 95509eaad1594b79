# expect: passed
# One row per (sample, group), statistics expanded back with np.repeat.
import numpy as np


def group_normalization(X, gamma, beta, num_groups, epsilon=1e-5):
    N, C, H, W = X.shape
    rows = X.reshape(N * num_groups, -1)
    mean = rows.mean(axis=1)
    var = rows.var(axis=1)
    per_channel_mean = np.repeat(mean.reshape(N, num_groups), C // num_groups, axis=1)
    per_channel_var = np.repeat(var.reshape(N, num_groups), C // num_groups, axis=1)
    mean4 = per_channel_mean[:, :, None, None]
    std4 = np.sqrt(per_channel_var[:, :, None, None] + epsilon)
    return (X - mean4) / std4 * gamma[:, None, None] + beta[:, None, None]
