# expect: failed
# diagnoses: returned-std
import numpy as np


def batch_norm_forward(x_batch, gamma, beta, epsilon=1e-5):
    mean_b = x_batch.mean()
    std_b = x_batch.std()
    x_hat = (x_batch - mean_b) / np.sqrt(std_b**2 + epsilon)
    return gamma * x_hat + beta, mean_b, std_b
