"""Hostile: floods stdout and stderr with 32 MB each, then answers correctly (expect: ok)."""

import os
import sys

import numpy as np

CHUNK = b"x" * (1 << 20)


def _reference(X, gamma, beta, epsilon):
    m = X.mean(axis=(0, 2, 3), keepdims=True)
    v = X.var(axis=(0, 2, 3), keepdims=True)
    return gamma[None, :, None, None] * (X - m) / np.sqrt(v + epsilon) + beta[None, :, None, None]


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    for _ in range(32):
        sys.stdout.write(CHUNK.decode())
        os.write(2, CHUNK)
    return _reference(X, gamma, beta, epsilon)
