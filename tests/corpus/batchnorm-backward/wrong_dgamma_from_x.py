# expect: failed
# diagnoses: dgamma-from-x
import numpy as np


def batch_norm_backward(dout, x, gamma, epsilon=1e-5):
    N = x.shape[0]
    mu = x.mean(axis=0)
    std = np.sqrt(x.var(axis=0) + epsilon)
    x_hat = (x - mu) / std
    dgamma = np.sum(dout * x, axis=0)
    dbeta = np.sum(dout, axis=0)
    dx = (gamma / (N * std)) * (N * dout - dbeta - x_hat * np.sum(dout * x_hat, axis=0))
    return dx, dgamma, dbeta
