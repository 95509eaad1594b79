"""Hostile: allocates and touches memory until it runs out (expect: memory-limit)."""

import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    blocks = []
    while True:
        blocks.append(np.ones(2**20))
