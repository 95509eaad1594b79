# expect: failed
# diagnoses: unbiased-variance, returned-std
import numpy as np


def batch_norm_forward(x_batch, gamma, beta, epsilon=1e-5):
    m = x_batch.size
    mean = x_batch.sum() / m
    std = np.sqrt(((x_batch - mean) ** 2).sum() / (m - 1))
    y = gamma * (x_batch - mean) / np.sqrt(std**2 + epsilon) + beta
    return y, mean, std
