"""Hostile: sys.exit(0) at import, hoping a clean exit reads as a pass (expect: crashed)."""

import sys

sys.exit(0)


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    return X
