# expect: failed
# diagnoses: running-stats-not-updated
import numpy as np


def batch_norm_train_eval(x, gamma, beta, running_mean, running_var, training,
                          momentum=0.1, epsilon=1e-5):
    if training:
        mean, var = x.mean(axis=0), x.var(axis=0)
    else:
        mean, var = running_mean, running_var
    y = gamma * (x - mean) / np.sqrt(var + epsilon) + beta
    return y, running_mean.copy(), running_var.copy()
