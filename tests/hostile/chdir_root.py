"""Hostile: changes directory at import and in the function (expect: ok)."""

import os

import numpy as np

os.chdir("/")


def _reference(X, gamma, beta, epsilon):
    m = X.mean(axis=(0, 2, 3), keepdims=True)
    v = X.var(axis=(0, 2, 3), keepdims=True)
    return gamma[None, :, None, None] * (X - m) / np.sqrt(v + epsilon) + beta[None, :, None, None]


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    os.chdir("/tmp")
    return _reference(X, gamma, beta, epsilon)
