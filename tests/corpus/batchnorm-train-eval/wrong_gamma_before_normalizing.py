# expect: failed
# diagnoses: gamma-before-normalizing
import numpy as np


def batch_norm_train_eval(x, gamma, beta, running_mean, running_var, training,
                          momentum=0.1, epsilon=1e-5):
    x = gamma * x  # scaled first: the normalization below divides the scale out again
    if training:
        n = x.shape[0]
        mean, var = x.mean(axis=0), x.var(axis=0)
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
    else:
        mean, var = running_mean, running_var
        new_mean, new_var = running_mean.copy(), running_var.copy()
    y = (x - mean) / np.sqrt(var + epsilon) + beta
    return y, new_mean, new_var
