"""Hostile: a memory bomb at import time (expect: memory-limit for the whole run)."""

HOARD = []
while True:
    HOARD.append(b"x" * 2**23)


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    return X
