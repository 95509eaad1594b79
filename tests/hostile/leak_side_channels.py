"""Hostile: right on the visible cases; on the hidden cases it smuggles input values
out through other channels than the exception message: an exception class named after
the values, a returned object whose class is named after them, and an error scaled so
that the max abs diff spells them (expect: failed; none of these values in any report).

It tells the hidden cases apart as a student could: they come after the kata's timed
call (a float32 input of shape (4, 16, 32, 32)), in the process of the visible ones,
or first in a process of their own."""

import numpy as np

SHAPES = []


def _reference(X, gamma, beta, epsilon):
    m = X.mean(axis=(0, 2, 3), keepdims=True)
    v = X.var(axis=(0, 2, 3), keepdims=True)
    return gamma[None, :, None, None] * (X - m) / np.sqrt(v + epsilon) + beta[None, :, None, None]


def _spell(values):
    return "_".join(f"{v:.8f}".replace("-", "m").replace(".", "p") for v in values)


TIMED = (4, 16, 32, 32)
HIDDEN = []


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    SHAPES.append(X.shape)
    visible = SHAPES[0] == (2, 2, 2, 2)  # the visible cases start with the seed examples
    if visible and (X.shape == TIMED or TIMED not in SHAPES):
        return _reference(X, gamma, beta, epsilon)
    HIDDEN.append(X.shape)
    data = _spell(X.ravel()[:3])
    step = len(HIDDEN) % 3
    if step == 1:
        raise type("Leak_" + data, (ValueError,), {})("nothing to see")
    if step == 2:
        return type("Leak_" + data, (), {"__repr__": lambda self: "LEAK " + data})()
    out = np.array(_reference(X, gamma, beta, epsilon))
    out.flat[0] = X.flat[0] * 1e12
    return out
