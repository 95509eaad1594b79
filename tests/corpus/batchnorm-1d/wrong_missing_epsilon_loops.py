# expect: failed
# diagnoses: missing-epsilon
import math

import numpy as np


def batch_norm_forward(x_batch, gamma, beta, epsilon=1e-5):
    m = len(x_batch)
    mean = sum(x_batch) / m
    var = sum((v - mean) ** 2 for v in x_batch) / m
    y = [gamma * (v - mean) / math.sqrt(var) + beta if var > 0 else float("nan")
         for v in x_batch]
    return np.array(y), mean, var
