# expect: failed
# diagnoses: float32-precision
import numpy as np


def batch_norm_backward(dout, x, gamma, epsilon=1e-5):
    dout, x, gamma = (np.asarray(a, dtype=np.float32) for a in (dout, x, gamma))
    N = x.shape[0]
    std = np.sqrt(x.var(axis=0) + np.float32(epsilon))
    x_hat = (x - x.mean(axis=0)) / std
    dgamma = np.sum(dout * x_hat, axis=0)
    dbeta = np.sum(dout, axis=0)
    dx = (gamma / (N * std)) * (N * dout - dbeta - x_hat * dgamma)
    return dx, dgamma, dbeta
