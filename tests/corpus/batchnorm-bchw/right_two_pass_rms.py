# expect: passed
# Two passes: the mean, then the root mean square of the centered values.
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    mu = np.mean(X, axis=(0, 2, 3), keepdims=True)
    centered = X - mu
    rms = np.sqrt(np.mean(np.square(centered), axis=(0, 2, 3), keepdims=True) + epsilon)
    return np.reshape(gamma, (1, -1, 1, 1)) * (centered / rms) + np.reshape(beta, (1, -1, 1, 1))
