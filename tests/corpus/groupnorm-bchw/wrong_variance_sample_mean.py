# expect: failed
# diagnoses: variance-around-sample-mean
import numpy as np


def group_normalization(X, gamma, beta, num_groups, epsilon=1e-5):
    N, C, H, W = X.shape
    Xg = X.reshape(N, num_groups, C // num_groups, H, W)
    mean = Xg.mean(axis=(2, 3, 4), keepdims=True)
    sample_mean = Xg.mean(axis=(1, 2, 3, 4), keepdims=True)
    var = ((Xg - sample_mean) ** 2).mean(axis=(2, 3, 4), keepdims=True)
    X_hat = ((Xg - mean) / np.sqrt(var + epsilon)).reshape(N, C, H, W)
    return gamma.reshape(1, C, 1, 1) * X_hat + beta.reshape(1, C, 1, 1)
