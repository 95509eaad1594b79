# expect: failed
# diagnoses: mutated-input
# Right values, but computed in the caller's array.
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    mean = X.mean(axis=(0, 2, 3), keepdims=True)
    var = X.var(axis=(0, 2, 3), keepdims=True)
    X -= mean
    X /= np.sqrt(var + epsilon)
    X *= gamma.reshape(1, -1, 1, 1)
    X += beta.reshape(1, -1, 1, 1)
    return X
