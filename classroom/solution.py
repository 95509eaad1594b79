"""Kata batchnorm-bchw: Batch normalization of a BCHW feature map.

Implement batch_normalization below, then run `grade` on this file.
Read the statement again with `grade --show batchnorm-bchw`.
"""

import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    """Batch normalization of a BCHW feature map.

    Parameters
    ----------
    X : feature maps, shape (N, C, H, W)
    gamma : scale, one value per channel, shape (C,)
    beta : shift, one value per channel, shape (C,)
    epsilon : small constant added to the variance inside the square root (default 1e-5)

    Returns
    -------
    Y : normalized, scaled and shifted feature maps, same shape as X

    Do not modify the arrays you are given: return new ones.
    """
    raise NotImplementedError("batch_normalization: write your solution here")
