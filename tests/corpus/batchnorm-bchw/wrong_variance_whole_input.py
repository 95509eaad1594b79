# expect: failed
# diagnoses: variance-other-axes
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    mean = np.mean(X, axis=(0, 2, 3), keepdims=True)
    var = np.var(X)
    x_hat = (X - mean) / np.sqrt(var + epsilon)
    return gamma.reshape(1, -1, 1, 1) * x_hat + beta.reshape(1, -1, 1, 1)
