# expect: passed
# Plain Python loops over every element: slow, but correct.
import math

import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    N, C, H, W = X.shape
    m = N * H * W
    Y = np.zeros((N, C, H, W))
    for c in range(C):
        total = 0.0
        for n in range(N):
            for h in range(H):
                for w in range(W):
                    total += float(X[n, c, h, w])
        mean = total / m
        squares = 0.0
        for n in range(N):
            for h in range(H):
                for w in range(W):
                    d = float(X[n, c, h, w]) - mean
                    squares += d * d
        std = math.sqrt(squares / m + epsilon)
        for n in range(N):
            for h in range(H):
                for w in range(W):
                    x_hat = (float(X[n, c, h, w]) - mean) / std
                    Y[n, c, h, w] = float(gamma[c]) * x_hat + float(beta[c])
    return Y
