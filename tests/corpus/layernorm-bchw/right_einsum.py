# expect: passed
import numpy as np


def layer_normalization(X, gamma, beta, epsilon=1e-5):
    N, C, H, W = X.shape
    m = C * H * W
    mean = np.einsum("nchw->n", X) / m
    centered = X - mean[:, None, None, None]
    var = np.einsum("nchw,nchw->n", centered, centered) / m
    inv_std = 1.0 / np.sqrt(var + epsilon)
    return np.einsum("nchw,n,c->nchw", centered, inv_std, gamma) + beta[None, :, None, None]
