# expect: passed
# Flatten each (n, c) plane into a row: (N*C, H*W).
import numpy as np


def instance_normalization(X, gamma, beta, epsilon=1e-5):
    N, C, H, W = X.shape
    planes = X.reshape(N * C, H * W)
    mean = planes.mean(axis=1, keepdims=True)
    std = np.sqrt(planes.var(axis=1, keepdims=True) + epsilon)
    X_hat = ((planes - mean) / std).reshape(N, C, H, W)
    return X_hat * np.reshape(gamma, (C, 1, 1)) + np.reshape(beta, (C, 1, 1))
