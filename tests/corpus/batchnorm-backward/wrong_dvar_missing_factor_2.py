# expect: failed
# diagnoses: dx-term-coefficients
import numpy as np


def batch_norm_backward(dout, x, gamma, epsilon=1e-5):
    n = x.shape[0]
    mu = x.mean(axis=0)
    xmu = x - mu
    var = (xmu**2).mean(axis=0)
    ivar = 1.0 / np.sqrt(var + epsilon)
    x_hat = xmu * ivar
    dgamma = (dout * x_hat).sum(axis=0)
    dbeta = dout.sum(axis=0)
    dx_hat = dout * gamma
    dvar = np.sum(dx_hat * xmu, axis=0) * -0.5 * (var + epsilon) ** -1.5
    dmu = -np.sum(dx_hat * ivar, axis=0)
    dx = dx_hat * ivar + dvar * xmu / n + dmu / n  # the derivative of xmu**2 is 2 * xmu
    return dx, dgamma, dbeta
