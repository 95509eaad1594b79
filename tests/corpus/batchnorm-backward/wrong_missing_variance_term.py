# expect: failed
# diagnoses: dx-missing-variance-term
import numpy as np


def batch_norm_backward(dout, x, gamma, epsilon=1e-5):
    m = x.shape[0]
    mu = x.mean(axis=0)
    std = np.sqrt(x.var(axis=0) + epsilon)
    x_hat = (x - mu) / std
    dx_hat = dout * gamma
    dmu = -np.sum(dx_hat, axis=0) / std
    dx = dx_hat / std + dmu / m
    return dx, np.sum(dout * x_hat, axis=0), np.sum(dout, axis=0)
