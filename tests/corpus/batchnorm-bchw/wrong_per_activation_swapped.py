# expect: failed
# diagnoses: per-activation, gamma-beta-swapped
# reduced_axes: 0
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    N, C, H, W = X.shape
    Y = np.empty((N, C, H, W))
    for c in range(C):
        for h in range(H):
            for w in range(W):
                column = X[:, c, h, w]
                x_hat = (column - column.mean()) / np.sqrt(column.var() + epsilon)
                Y[:, c, h, w] = beta[c] * x_hat + gamma[c]
    return Y
