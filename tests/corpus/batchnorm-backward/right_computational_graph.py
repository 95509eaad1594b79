# expect: passed
# Step by step back through the forward pass's graph.
import numpy as np


def batch_norm_backward(dout, x, gamma, epsilon=1e-5):
    N = x.shape[0]
    # forward, keeping every intermediate
    mu = x.sum(axis=0) / N
    xmu = x - mu
    sq = xmu**2
    var = sq.sum(axis=0) / N
    sqrtvar = np.sqrt(var + epsilon)
    ivar = 1.0 / sqrtvar
    xhat = xmu * ivar
    # backward
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dxhat = dout * gamma
    divar = (dxhat * xmu).sum(axis=0)
    dxmu1 = dxhat * ivar
    dsqrtvar = -divar / sqrtvar**2
    dvar = 0.5 * dsqrtvar / sqrtvar
    dsq = np.ones_like(sq) * dvar / N
    dxmu2 = 2 * xmu * dsq
    dx1 = dxmu1 + dxmu2
    dmu = -dx1.sum(axis=0)
    dx2 = np.ones_like(x) * dmu / N
    return dx1 + dx2, dgamma, dbeta
