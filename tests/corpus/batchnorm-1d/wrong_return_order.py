# expect: failed
# diagnoses: wrong-return-order
import numpy as np


def batch_norm_forward(x_batch, gamma, beta, epsilon=1e-5):
    mean_b = np.mean(x_batch)
    var_b = np.var(x_batch)
    y = gamma * (x_batch - mean_b) / np.sqrt(var_b + epsilon) + beta
    return y, var_b, mean_b
