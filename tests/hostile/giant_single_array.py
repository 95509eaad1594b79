"""Hostile: returns one zero-stride array of 80 GB (expect: refused by size, wrong shape)."""

import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    return np.broadcast_to(np.float64(1.0), (10**5, 10**5))
