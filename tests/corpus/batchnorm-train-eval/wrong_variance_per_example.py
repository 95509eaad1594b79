# expect: failed
# diagnoses: variance-other-axes
import numpy as np


def batch_norm_train_eval(x, gamma, beta, running_mean, running_var, training,
                          momentum=0.1, epsilon=1e-5):
    if training:
        mean = x.mean(axis=0)
        var = x.var(axis=1, keepdims=True)  # per example: the axis of a layer norm
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * x.var(axis=0, ddof=1)
    else:
        mean, var = running_mean, running_var
        new_mean, new_var = running_mean.copy(), running_var.copy()
    y = gamma * (x - mean) / np.sqrt(var + epsilon) + beta
    return y, new_mean, new_var
