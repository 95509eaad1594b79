# expect: failed
# diagnoses: dx-term-coefficients
import numpy as np


def batch_norm_backward(dout, x, gamma, epsilon=1e-5):
    std = np.sqrt(x.var(axis=0) + epsilon)
    x_hat = (x - x.mean(axis=0)) / std
    dgamma = np.sum(dout * x_hat, axis=0)
    dbeta = np.sum(dout, axis=0)
    dx = gamma / std * (dout - dout.mean(axis=0) + x_hat * (dout * x_hat).mean(axis=0))
    return dx, dgamma, dbeta
