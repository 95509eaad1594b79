# expect: failed
# diagnoses: variance-around-global-mean
import numpy as np


def layer_normalization(X, gamma, beta, epsilon=1e-5):
    mean = X.mean(axis=(1, 2, 3), keepdims=True)
    var = ((X - X.mean()) ** 2).mean(axis=(1, 2, 3), keepdims=True)
    X_hat = (X - mean) / np.sqrt(var + epsilon)
    return gamma[None, :, None, None] * X_hat + beta[None, :, None, None]
