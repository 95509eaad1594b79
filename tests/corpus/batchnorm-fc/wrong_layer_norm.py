# expect: failed
# diagnoses: layer-norm
# reduced_axes: 1
import numpy as np


def batch_norm_fc(X, gamma, beta, epsilon=1e-5):
    mean = X.mean(axis=1, keepdims=True)
    var = X.var(axis=1, keepdims=True)
    return gamma * (X - mean) / np.sqrt(var + epsilon) + beta
