"""Hostile: closes sys.stdin/stdout/stderr and fds 0-2 on every call, then answers
correctly (expect: ok on every call, so a pass)."""

import contextlib
import os
import sys

import numpy as np

print("about to close stdio", flush=True)


def _reference(X, gamma, beta, epsilon):
    m = X.mean(axis=(0, 2, 3), keepdims=True)
    v = X.var(axis=(0, 2, 3), keepdims=True)
    return gamma[None, :, None, None] * (X - m) / np.sqrt(v + epsilon) + beta[None, :, None, None]


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    for stream in (sys.stdin, sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        stream.close()
    for fd in (0, 1, 2):
        with contextlib.suppress(OSError):
            os.close(fd)
    return _reference(X, gamma, beta, epsilon)
