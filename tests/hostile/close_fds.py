"""Hostile: closes stdin, stdout and stderr, then answers correctly (expect: ok)."""

import os

import numpy as np


def _reference(X, gamma, beta, epsilon):
    m = X.mean(axis=(0, 2, 3), keepdims=True)
    v = X.var(axis=(0, 2, 3), keepdims=True)
    return gamma[None, :, None, None] * (X - m) / np.sqrt(v + epsilon) + beta[None, :, None, None]


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    for fd in (0, 1, 2):
        os.close(fd)
    return _reference(X, gamma, beta, epsilon)
