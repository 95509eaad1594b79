# expect: passed
import numpy as np


def instance_normalization(X, gamma, beta, epsilon=1e-5):
    N, C = X.shape[:2]
    Y = np.zeros(X.shape)
    for n in range(N):
        for c in range(C):
            plane = X[n, c]
            mu = plane.sum() / plane.size
            var = ((plane - mu) ** 2).sum() / plane.size
            Y[n, c] = gamma[c] * (plane - mu) / (var + epsilon) ** 0.5 + beta[c]
    return Y
