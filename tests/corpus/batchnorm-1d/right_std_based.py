# expect: passed
import numpy as np


def batch_norm_forward(x_batch, gamma, beta, epsilon=1e-5):
    mu = x_batch.mean()
    sigma = x_batch.std(ddof=0)
    var = sigma**2
    y = gamma * ((x_batch - mu) / np.sqrt(var + epsilon)) + beta
    return y, float(mu), float(var)
