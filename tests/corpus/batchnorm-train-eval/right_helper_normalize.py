# expect: passed
# One normalization helper shared by both modes.
import numpy as np


def _normalize(x, mean, var, gamma, beta, epsilon):
    return gamma * (x - mean) / np.sqrt(var + epsilon) + beta


def batch_norm_train_eval(x, gamma, beta, running_mean, running_var, training,
                          momentum=0.1, epsilon=1e-5):
    if training:
        m = len(x)
        mu = x.sum(axis=0) / m
        sq = ((x - mu) ** 2).sum(axis=0)
        y = _normalize(x, mu, sq / m, gamma, beta, epsilon)
        new_mean = running_mean * (1 - momentum) + mu * momentum
        new_var = running_var * (1 - momentum) + (sq / (m - 1)) * momentum
        return y, new_mean, new_var
    y = _normalize(x, running_mean, running_var, gamma, beta, epsilon)
    return y, np.copy(running_mean), np.copy(running_var)
