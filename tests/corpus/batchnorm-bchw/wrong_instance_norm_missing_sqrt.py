# expect: failed
# diagnoses: instance-norm, missing-sqrt
# reduced_axes: 2, 3
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    N, C, H, W = X.shape
    planes = X.reshape(N, C, H * W)
    mean = planes.mean(axis=2, keepdims=True)
    var = planes.var(axis=2, keepdims=True)
    X_hat = ((planes - mean) / (var + epsilon)).reshape(N, C, H, W)
    return gamma.reshape(1, C, 1, 1) * X_hat + beta.reshape(1, C, 1, 1)
