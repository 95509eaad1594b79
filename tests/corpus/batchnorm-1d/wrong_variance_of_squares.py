# expect: failed
# diagnoses: unrecognised
# The variance as the mean of the squares, not centred at all: no stage variant
# explains it, but the mean is right and the variance is not.
import numpy as np


def batch_norm_forward(x_batch, gamma, beta, epsilon=1e-5):
    mean = np.mean(x_batch)
    var = np.mean(x_batch**2)
    y = gamma * (x_batch - mean) / np.sqrt(var + epsilon) + beta
    return y, mean, var
