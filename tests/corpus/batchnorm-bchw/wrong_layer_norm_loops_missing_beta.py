# expect: failed
# diagnoses: layer-norm, missing-beta
# reduced_axes: 1, 2, 3
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    N, C, H, W = X.shape
    Y = np.zeros_like(X, dtype=np.float64)
    for n in range(N):
        sample = X[n]
        mu = sample.mean()
        var = sample.var()
        for c in range(C):
            Y[n, c] = gamma[c] * (sample[c] - mu) / np.sqrt(var + epsilon)
    return Y
