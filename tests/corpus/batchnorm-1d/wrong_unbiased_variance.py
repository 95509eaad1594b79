# expect: failed
# diagnoses: unbiased-variance
import numpy as np


def batch_norm_forward(x_batch, gamma, beta, epsilon=1e-5):
    mean_b = np.mean(x_batch)
    var_b = np.var(x_batch, ddof=1)
    x_hat = (x_batch - mean_b) / np.sqrt(var_b + epsilon)
    return gamma * x_hat + beta, mean_b, var_b
