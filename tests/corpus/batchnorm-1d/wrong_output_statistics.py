# expect: failed
# diagnoses: output-statistics-returned
import numpy as np


def batch_norm_forward(x_batch, gamma, beta, epsilon=1e-5):
    mean = np.mean(x_batch)
    var = np.var(x_batch)
    y = gamma * (x_batch - mean) / np.sqrt(var + epsilon) + beta
    return y, np.mean(y), np.var(y)
