"""Hostile: returns an object array (expect: refused as not numeric)."""

import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    out = np.empty(X.shape, dtype=object)
    out[...] = 0.0
    return out
