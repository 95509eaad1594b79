# expect: failed
# diagnoses: missing-1-over-m
# The closed form with its leading 1/m dropped.
import numpy as np


def batch_norm_backward(dout, x, gamma, epsilon=1e-5):
    N = x.shape[0]
    x_hat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + epsilon)
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx = gamma / np.sqrt(x.var(axis=0) + epsilon) * (N * dout - dbeta - x_hat * dgamma)
    return dx, dgamma, dbeta
