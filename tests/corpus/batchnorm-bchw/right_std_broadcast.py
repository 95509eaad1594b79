# expect: passed
# np.std, and gamma.reshape(1, -1, 1, 1) to line up with the channel axis.
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    gamma = np.asarray(gamma).reshape(1, -1, 1, 1)
    beta = np.asarray(beta).reshape(1, -1, 1, 1)
    mean = np.mean(X, axis=(0, 2, 3)).reshape(1, -1, 1, 1)
    std = np.std(X, axis=(0, 2, 3)).reshape(1, -1, 1, 1)  # ddof=0: the biased one
    return gamma * (X - mean) / np.sqrt(std**2 + epsilon) + beta
