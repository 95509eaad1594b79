# expect: failed
# diagnoses: missing-gamma
import numpy as np


def batch_norm_backward(dout, x, gamma, epsilon=1e-5):
    N = x.shape[0]
    x_hat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + epsilon)
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx = (N * dout - dbeta - x_hat * dgamma) / (N * np.sqrt(x.var(axis=0) + epsilon))
    return dx, dgamma, dbeta
