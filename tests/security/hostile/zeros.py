"""Not hostile: what the attackers' own values earn (zeros of the right shape)."""

import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    return np.zeros_like(X)
