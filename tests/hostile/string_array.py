"""Hostile: returns a string array (expect: refused as not numeric)."""

import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    return np.full(X.shape, "0.0")
