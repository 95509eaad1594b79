# expect: passed
import numpy as np


def layer_normalization(X, gamma, beta, epsilon=1e-5):
    Y = np.empty(X.shape, dtype=np.float64)
    for n in range(X.shape[0]):
        sample = X[n].astype(np.float64)
        mu = sample.mean()
        sigma2 = sample.var()
        normed = (sample - mu) / np.sqrt(sigma2 + epsilon)
        for c in range(X.shape[1]):
            Y[n, c] = gamma[c] * normed[c] + beta[c]
    return Y
