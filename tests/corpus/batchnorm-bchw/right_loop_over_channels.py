# expect: passed
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    Y = np.empty(X.shape, dtype=np.result_type(X, np.float32))
    for c in range(X.shape[1]):
        channel = X[:, c, :, :]
        mu = channel.mean()
        var = ((channel - mu) ** 2).mean()
        Y[:, c, :, :] = gamma[c] * (channel - mu) / np.sqrt(var + epsilon) + beta[c]
    return Y
