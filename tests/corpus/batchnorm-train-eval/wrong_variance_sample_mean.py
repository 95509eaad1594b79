# expect: failed
# diagnoses: variance-around-sample-mean
import numpy as np


def batch_norm_train_eval(x, gamma, beta, running_mean, running_var, training,
                          momentum=0.1, epsilon=1e-5):
    if training:
        n = x.shape[0]
        mean = x.mean(axis=0)
        var = ((x - x.mean(axis=1, keepdims=True)) ** 2).mean(axis=0)
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
    else:
        mean, var = running_mean, running_var
        new_mean, new_var = running_mean.copy(), running_var.copy()
    y = gamma * (x - mean) / np.sqrt(var + epsilon) + beta
    return y, new_mean, new_var
