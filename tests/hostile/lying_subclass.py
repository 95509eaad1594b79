"""Hostile: an ndarray subclass that says it equals anything (expect: the plain bytes, zeros)."""

import numpy as np


class Liar(np.ndarray):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __sub__(self, other):
        return np.zeros(np.shape(other))

    def __rsub__(self, other):
        return np.zeros(np.shape(other))

    def __abs__(self):
        return np.zeros(self.shape)

    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("no peeking")

    def view(self, *args, **kwargs):
        raise RuntimeError("no views either")

    def tobytes(self, *args, **kwargs):
        return b"\x00" * 8

    def __reduce__(self):
        raise RuntimeError("no pickling")

    def __repr__(self):
        return "array([perfect, answer])"


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    return np.zeros(X.shape).view(Liar)
