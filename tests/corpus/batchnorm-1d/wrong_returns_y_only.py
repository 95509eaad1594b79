# expect: failed
# diagnoses: wrong-return-type
import numpy as np


def batch_norm_forward(x_batch, gamma, beta, epsilon=1e-5):
    mean = x_batch.mean()
    var = x_batch.var()
    return gamma * (x_batch - mean) / np.sqrt(var + epsilon) + beta
