"""Hostile: asks for 1 GiB in one allocation (expect: memory-limit at once, not a crash)."""

import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    return np.ones(2**27) + X.sum()
