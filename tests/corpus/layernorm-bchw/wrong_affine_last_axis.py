# expect: failed
# diagnoses: affine-wrong-axis
import numpy as np


def layer_normalization(X, gamma, beta, epsilon=1e-5):
    mean = X.mean(axis=(1, 2, 3), keepdims=True)
    var = X.var(axis=(1, 2, 3), keepdims=True)
    return gamma * (X - mean) / np.sqrt(var + epsilon) + beta
