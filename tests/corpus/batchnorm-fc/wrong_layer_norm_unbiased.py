# expect: failed
# diagnoses: layer-norm, unbiased-variance
# reduced_axes: 1
import numpy as np


def batch_norm_fc(X, gamma, beta, epsilon=1e-5):
    rows = X.T.T
    mean = rows.mean(axis=1, keepdims=True)
    var = rows.var(axis=1, ddof=1, keepdims=True)
    return gamma * (rows - mean) / np.sqrt(var + epsilon) + beta
