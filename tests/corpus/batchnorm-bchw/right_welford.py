# expect: passed
# Welford's running mean and variance, one sample at a time, all channels at once.
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    N, C, H, W = X.shape
    count = 0
    mean = np.zeros(C)
    m2 = np.zeros(C)
    for n in range(N):
        for h in range(H):
            for w in range(W):
                value = X[n, :, h, w].astype(np.float64)
                count += 1
                delta = value - mean
                mean += delta / count
                m2 += delta * (value - mean)
    var = m2 / count
    scale = (gamma / np.sqrt(var + epsilon))[None, :, None, None]
    return (X - mean[None, :, None, None]) * scale + beta[None, :, None, None]
