# expect: failed
# diagnoses: instance-norm
# reduced_axes: 2, 3
# One mean per (sample, channel) plane: instance normalization.
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    N, C, H, W = X.shape
    Y = np.empty((N, C, H, W))
    for n in range(N):
        for c in range(C):
            plane = X[n, c]
            mu = plane.mean()
            sigma2 = ((plane - mu) ** 2).mean()
            Y[n, c] = gamma[c] * (plane - mu) / np.sqrt(sigma2 + epsilon) + beta[c]
    return Y
