# expect: failed
# diagnoses: wrong-axes
# reduced_axes: 0, 1
# "Method 1": one mean per spatial position, over batch and channels.
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    mean = X.mean(axis=(0, 1), keepdims=True)
    var = X.var(axis=(0, 1), keepdims=True)
    X_hat = (X - mean) / np.sqrt(var + epsilon)
    return gamma.reshape(1, -1, 1, 1) * X_hat + beta.reshape(1, -1, 1, 1)
