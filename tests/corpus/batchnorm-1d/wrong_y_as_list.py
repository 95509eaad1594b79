# expect: failed
# diagnoses: wrong-return-type
import numpy as np


def batch_norm_forward(x_batch, gamma, beta, epsilon=1e-5):
    mean = sum(x_batch) / len(x_batch)
    var = sum((x - mean) ** 2 for x in x_batch) / len(x_batch)
    y = [gamma * (x - mean) / np.sqrt(var + epsilon) + beta for x in x_batch]
    return y, mean, var
