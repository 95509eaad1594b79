# expect: failed
# diagnoses: reshape-without-transpose
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    C = X.shape[1]
    rows = X.reshape(C, -1)  # one row per channel, or so it seems
    mean = rows.mean(axis=1, keepdims=True)
    var = rows.var(axis=1, keepdims=True)
    x_hat = ((rows - mean) / np.sqrt(var + epsilon)).reshape(X.shape)
    return gamma.reshape(1, -1, 1, 1) * x_hat + beta.reshape(1, -1, 1, 1)
