"""Hostile: prints its inputs and raises them in the message, on every call
(expect: an exception; no hidden case's values in any report)."""

import sys

import numpy as np

np.set_printoptions(threshold=sys.maxsize, precision=17, floatmode="unique")


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    print(repr(X), repr(gamma), repr(beta), X.tolist(), flush=True)
    sys.stderr.write(f"{X.ravel().tolist()!r} {gamma.tolist()!r} {beta.tolist()!r}\n")
    raise ValueError(repr(X) + repr(gamma) + repr(beta))
