# expect: failed
# diagnoses: parameter-gradient-axes
import numpy as np


def batch_norm_backward(dout, x, gamma, epsilon=1e-5):
    mu = np.mean(x, axis=0)
    inv_std = 1.0 / np.sqrt(np.var(x, axis=0) + epsilon)
    x_hat = (x - mu) * inv_std
    dbeta = np.sum(dout)
    dgamma = np.sum(dout * x_hat, axis=0)
    n = x.shape[0]
    dx_hat = dout * gamma
    dx = inv_std / n * (n * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
    return dx, dgamma, dbeta
