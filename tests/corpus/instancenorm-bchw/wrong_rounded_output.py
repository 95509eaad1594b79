# expect: failed
# diagnoses: rounded-output
import numpy as np


def instance_normalization(X, gamma, beta, epsilon=1e-5):
    mean = X.mean(axis=(2, 3), keepdims=True)
    var = X.var(axis=(2, 3), keepdims=True)
    Y = gamma.reshape(1, -1, 1, 1) * (X - mean) / np.sqrt(var + epsilon) + beta.reshape(1, -1, 1, 1)
    return np.round(Y, 4)
