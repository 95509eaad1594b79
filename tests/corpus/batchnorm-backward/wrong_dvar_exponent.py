# expect: failed
# diagnoses: dvar-exponent
import numpy as np


def batch_norm_backward(dout, x, gamma, epsilon=1e-5):
    m = x.shape[0]
    mu = np.mean(x, axis=0)
    xc = x - mu
    var = np.mean(xc**2, axis=0)
    std = np.sqrt(var + epsilon)
    x_hat = xc / std

    dx_hat = dout * gamma
    dvar = np.sum(dx_hat * xc, axis=0) * -0.5 * (var + epsilon) ** -0.5
    dmu = np.sum(-dx_hat / std, axis=0) + dvar * np.mean(-2.0 * xc, axis=0)
    dx = dx_hat / std + dvar * 2.0 * xc / m + dmu / m
    return dx, np.sum(dout * x_hat, axis=0), np.sum(dout, axis=0)
