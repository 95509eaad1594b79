"""Reference solution for kata ``groupnorm-bchw``.

Group normalization of an (N, C, H, W) feature map: the C channels are cut
into ``num_groups`` consecutive groups of C // num_groups channels; one mean
and one (biased) variance per sample and group, taken over the group's
channels and both spatial axes.  The affine parameters are per channel.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def group_normalization(
    X: npt.ArrayLike,
    gamma: npt.ArrayLike,
    beta: npt.ArrayLike,
    num_groups: int,
    epsilon: float = 1e-5,
) -> np.ndarray:
    X = np.asarray(X)
    out_dtype = X.dtype if np.issubdtype(X.dtype, np.floating) else np.dtype(np.float64)
    N, C, H, W = X.shape
    G = int(num_groups)
    if G < 1 or C % G != 0:
        raise ValueError(f"num_groups={num_groups} must divide the {C} channels")

    # Consecutive channels share a group: channel c belongs to group c // (C // G).
    x = X.astype(np.float64).reshape(N, G, C // G, H, W)
    mean = x.mean(axis=(2, 3, 4), keepdims=True)  # (N, G, 1, 1, 1)
    var = x.var(axis=(2, 3, 4), keepdims=True)  # biased: divides by (C // G)*H*W
    x_hat = ((x - mean) / np.sqrt(var + epsilon)).reshape(N, C, H, W)

    per_channel = (1, -1, 1, 1)
    Y = np.reshape(gamma, per_channel) * x_hat + np.reshape(beta, per_channel)
    return Y.astype(out_dtype, copy=False)
