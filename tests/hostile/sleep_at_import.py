"""Hostile: a long sleep at import time (expect: timeout)."""

import time

time.sleep(3600)


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    return X
