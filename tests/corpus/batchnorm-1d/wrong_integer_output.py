# expect: failed
# diagnoses: integer-output
import numpy as np


def batch_norm_forward(x_batch, gamma, beta, epsilon=1e-5):
    mean = np.mean(x_batch)
    var = np.var(x_batch)
    y = np.zeros(len(x_batch), dtype=np.int64)
    for i, x in enumerate(x_batch):
        y[i] = gamma * (x - mean) / np.sqrt(var + epsilon) + beta
    return y, mean, var
