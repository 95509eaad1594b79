"""Hostile: returns zero-stride arrays far larger than memory (expect: refused by size)."""

import numpy as np
from numpy.lib.stride_tricks import as_strided


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    wide = np.broadcast_to(np.float64(1.0), (10**5, 10**5))
    huge = as_strided(np.zeros(1), shape=(10**6, 10**6, 10**6), strides=(0, 0, 0))
    return wide, huge
