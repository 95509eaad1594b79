# expect: failed
# diagnoses: exception
# Loops over the channels with the batch size.
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    N, C, H, W = X.shape
    Y = np.zeros(X.shape)
    for c in range(N):
        channel = X[:, c]
        Y[:, c] = gamma[c] * (channel - channel.mean()) / np.sqrt(channel.var() + epsilon) + beta[c]
    return Y
