# expect: failed
# diagnoses: unbiased-variance, gamma-beta-swapped
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    N, C, H, W = X.shape
    m = N * H * W
    mean = np.einsum("nchw->c", X) / m
    centred = X - mean[None, :, None, None]
    var = np.einsum("nchw,nchw->c", centred, centred) / (m - 1)
    X_hat = centred / np.sqrt(var + epsilon)[None, :, None, None]
    return np.einsum("c,nchw->nchw", beta, X_hat) + gamma[None, :, None, None]
