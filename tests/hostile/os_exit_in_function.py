"""Hostile: os._exit(0) in the function (expect: crashed, exit code 0)."""

import os


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    os._exit(0)
