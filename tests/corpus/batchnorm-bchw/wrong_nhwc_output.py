# expect: failed
# diagnoses: wrong-layout
# Normalizes correctly in channels-last order, then forgets to transpose back.
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    Xt = X.transpose(0, 2, 3, 1)  # (N, H, W, C)
    mean = Xt.mean(axis=(0, 1, 2))
    var = Xt.var(axis=(0, 1, 2))
    return gamma * (Xt - mean) / np.sqrt(var + epsilon) + beta
