# expect: passed
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    N, C, H, W = X.shape
    m = N * H * W
    mean = np.einsum("nchw->c", X) / m
    centered = X - mean[None, :, None, None]
    var = np.einsum("nchw,nchw->c", centered, centered) / m
    scale = gamma / np.sqrt(var + epsilon)
    return np.einsum("nchw,c->nchw", centered, scale) + beta[None, :, None, None]
