# expect: failed
# diagnoses: mean-var-constant
import numpy as np


def batch_norm_backward(dout, x, gamma, epsilon=1e-5):
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    x_hat = (x - mu) / np.sqrt(var + epsilon)
    dx = dout * gamma / np.sqrt(var + epsilon)
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
