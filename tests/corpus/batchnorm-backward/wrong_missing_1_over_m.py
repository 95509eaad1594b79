# expect: failed
# diagnoses: missing-1-over-m
import numpy as np


def batch_norm_backward(dout, x, gamma, epsilon=1e-5):
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    inv_std = 1.0 / np.sqrt(var + epsilon)
    x_hat = (x - mu) * inv_std
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx = gamma * inv_std * (dout - dbeta - x_hat * dgamma)
    return dx, dgamma, dbeta
