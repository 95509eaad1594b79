"""Hostile: an infinite loop at import time (expect: timeout)."""

while True:
    pass


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    return X
