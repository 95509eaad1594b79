# expect: failed
# diagnoses: returned-var-plus-epsilon
import numpy as np


def batch_norm_forward(x_batch, gamma, beta, epsilon=1e-5):
    mean = np.mean(x_batch)
    var = np.var(x_batch) + epsilon
    y = gamma * (x_batch - mean) / np.sqrt(var) + beta
    return y, mean, var
