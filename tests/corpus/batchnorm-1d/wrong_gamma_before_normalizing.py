# expect: failed
# diagnoses: gamma-before-normalizing
import numpy as np


def batch_norm_forward(x_batch, gamma, beta, epsilon=1e-5):
    x = gamma * np.asarray(x_batch, dtype=np.float64)
    mean = x.mean()
    var = x.var()
    y = (x - mean) / np.sqrt(var + epsilon) + beta
    return y, mean, var
