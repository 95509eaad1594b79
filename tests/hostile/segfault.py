"""Hostile: a segmentation fault (expect: crashed with SIGSEGV)."""

import ctypes


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    return ctypes.string_at(0)
