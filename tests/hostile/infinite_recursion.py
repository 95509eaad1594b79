"""Hostile: infinite recursion (expect: an ordinary RecursionError, no segfault)."""


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    return batch_normalization(X, gamma, beta, epsilon)
