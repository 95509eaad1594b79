"""Hostile: right on the visible cases; in the hidden cases' process it smuggles
input values out through other channels than the exception message: an exception
class named after the values, a returned object whose class is named after them,
and an error scaled so that the max abs diff spells them (expect: failed; none of
these values in any report)."""

import numpy as np

SHAPES = []


def _reference(X, gamma, beta, epsilon):
    m = X.mean(axis=(0, 2, 3), keepdims=True)
    v = X.var(axis=(0, 2, 3), keepdims=True)
    return gamma[None, :, None, None] * (X - m) / np.sqrt(v + epsilon) + beta[None, :, None, None]


def _spell(values):
    return "_".join(f"{v:.8f}".replace("-", "m").replace(".", "p") for v in values)


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    SHAPES.append(X.shape)
    if SHAPES[0] == (2, 2, 2, 2):  # the visible cases' process starts with the seed examples
        return _reference(X, gamma, beta, epsilon)
    data = _spell(X.ravel()[:3])
    step = len(SHAPES) % 3
    if step == 1:
        raise type("Leak_" + data, (ValueError,), {})("nothing to see")
    if step == 2:
        return type("Leak_" + data, (), {"__repr__": lambda self: "LEAK " + data})()
    out = np.array(_reference(X, gamma, beta, epsilon))
    out.flat[0] = X.flat[0] * 1e12
    return out
