# expect: failed
# diagnoses: epsilon-outside-sqrt
import numpy as np


def instance_normalization(X, gamma, beta, epsilon=1e-5):
    N, C, H, W = X.shape
    planes = X.reshape(N, C, -1)
    mean = planes.mean(axis=2, keepdims=True)
    std = planes.std(axis=2, keepdims=True)
    X_hat = ((planes - mean) / (std + epsilon)).reshape(N, C, H, W)
    return gamma.reshape(1, C, 1, 1) * X_hat + beta.reshape(1, C, 1, 1)
