# expect: passed
# No numpy calls for the statistics: plain Python sums.
import math

import numpy as np


def batch_norm_forward(x_batch, gamma, beta, epsilon=1e-5):
    values = [float(v) for v in x_batch]
    m = len(values)
    mean = sum(values) / m
    var = sum((v - mean) ** 2 for v in values) / m
    denom = math.sqrt(var + epsilon)
    y = np.array([gamma * (v - mean) / denom + beta for v in values])
    return y, mean, var
