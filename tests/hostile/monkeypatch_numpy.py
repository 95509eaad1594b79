"""Hostile: patches numpy's comparisons so that any answer looks right (expect: a wrong value)."""

import numpy as np

np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), dtype=bool)
np.testing.assert_allclose = lambda *a, **k: None
np.testing.assert_array_equal = lambda *a, **k: None
np.frombuffer = lambda *a, **k: np.zeros(1)
np.ascontiguousarray = lambda a, *r, **k: np.zeros(1)


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    return np.zeros_like(X)
