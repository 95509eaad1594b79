# expect: failed
# diagnoses: variance-around-sample-mean
import numpy as np


def instance_normalization(X, gamma, beta, epsilon=1e-5):
    mean = X.mean(axis=(2, 3), keepdims=True)
    sample_mean = X.mean(axis=(1, 2, 3), keepdims=True)
    var = ((X - sample_mean) ** 2).mean(axis=(2, 3), keepdims=True)
    X_hat = (X - mean) / np.sqrt(var + epsilon)
    return gamma.reshape(1, -1, 1, 1) * X_hat + beta.reshape(1, -1, 1, 1)
