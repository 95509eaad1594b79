# expect: failed
# diagnoses: gamma-beta-swapped
import numpy as np


def batch_norm_forward(x_batch, gamma, beta, epsilon=1e-5):
    mean = x_batch.mean()
    var = x_batch.var()
    x_hat = (x_batch - mean) / np.sqrt(var + epsilon)
    return beta * x_hat + gamma, mean, var
