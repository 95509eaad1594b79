# expect: passed
# Sums as dot products; the variance from the centered values.
import numpy as np


def batch_norm_forward(x_batch, gamma, beta, epsilon=1e-5):
    x = np.asarray(x_batch, dtype=np.float64)
    m = x.size
    mean = x.sum() / m
    centered = x - mean
    var = centered @ centered / m
    y = gamma * centered / np.sqrt(var + epsilon) + beta
    return y, mean, var
