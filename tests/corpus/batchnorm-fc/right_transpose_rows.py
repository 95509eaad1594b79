# expect: passed
# Work on X.T, one row per feature.
import numpy as np


def batch_norm_fc(X, gamma, beta, epsilon=1e-5):
    features = X.T
    mean = features.mean(axis=1, keepdims=True)
    var = features.var(axis=1, keepdims=True)
    normed = (features - mean) / np.sqrt(var + epsilon)
    return (gamma[:, None] * normed + beta[:, None]).T
