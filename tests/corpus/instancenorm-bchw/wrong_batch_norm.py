# expect: failed
# diagnoses: batch-norm
# reduced_axes: 0, 2, 3
import numpy as np


def instance_normalization(X, gamma, beta, epsilon=1e-5):
    C = X.shape[1]
    Y = np.empty(X.shape)
    for c in range(C):
        channel = X[:, c]
        Y[:, c] = gamma[c] * (channel - channel.mean()) / np.sqrt(channel.var() + epsilon) + beta[c]
    return Y
