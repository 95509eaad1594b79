"""Hostile: an infinite loop in the function (expect: timeout)."""


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    while True:
        pass
