# expect: passed
import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.1)
    d = x.shape[1]
    bn_param.setdefault("running_mean", np.zeros(d))
    bn_param.setdefault("running_var", np.zeros(d))
    if bn_param["mode"] == "test":
        mean, var = bn_param["running_mean"], bn_param["running_var"]
        return gamma * (x - mean) / np.sqrt(var + eps) + beta, None
    mean = np.mean(x, axis=0)
    var = np.var(x, axis=0)
    m = x.shape[0]
    bn_param["running_mean"] = (1 - momentum) * bn_param["running_mean"] + momentum * mean
    bn_param["running_var"] = (
        (1 - momentum) * bn_param["running_var"] + momentum * var * m / (m - 1)
    )
    out = gamma * (x - mean) / np.sqrt(var + eps) + beta
    return out, {"x": x, "gamma": gamma, "eps": eps}


def batchnorm_backward(dout, cache):
    x, gamma, eps = cache["x"], cache["gamma"], cache["eps"]
    m = x.shape[0]
    mean = x.mean(axis=0)
    var = x.var(axis=0)
    xc = x - mean
    inv = 1.0 / np.sqrt(var + eps)
    x_hat = xc * inv
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    dvar = np.sum(dx_hat * xc, axis=0) * -0.5 * inv ** 3
    dmean = -np.sum(dx_hat * inv, axis=0) + dvar * np.mean(-2.0 * xc, axis=0)
    dx = dx_hat * inv + dvar * 2.0 * xc / m + dmean / m
    return dx, dgamma, dbeta
