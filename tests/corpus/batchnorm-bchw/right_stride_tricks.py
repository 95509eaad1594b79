# expect: passed
# gamma/beta expanded to X's shape with zero strides (no copy).
import numpy as np
from numpy.lib.stride_tricks import as_strided


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    def per_channel(v):
        v = np.ascontiguousarray(v, dtype=np.float64)
        return as_strided(v, shape=X.shape, strides=(0, v.strides[0], 0, 0), writeable=False)

    mean = per_channel(X.mean(axis=(0, 2, 3)))
    inv_std = per_channel(1.0 / np.sqrt(X.var(axis=(0, 2, 3)) + epsilon))
    return per_channel(gamma) * (X - mean) * inv_std + per_channel(beta)
