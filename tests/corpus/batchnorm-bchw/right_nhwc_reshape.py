# expect: passed
# Move channels last, flatten to (N*H*W, C), normalize columns, move back.
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    N, C, H, W = X.shape
    flat = X.transpose(0, 2, 3, 1).reshape(-1, C)
    mean = flat.mean(axis=0)
    var = flat.var(axis=0)
    out = gamma * (flat - mean) / np.sqrt(var + epsilon) + beta
    return out.reshape(N, H, W, C).transpose(0, 3, 1, 2)
