# expect: failed
# diagnoses: batch-stats-at-inference
# The training flag is ignored: always batch statistics, always an update.
import numpy as np


def batch_norm_train_eval(x, gamma, beta, running_mean, running_var, training,
                          momentum=0.1, epsilon=1e-5):
    mean, var = x.mean(axis=0), x.var(axis=0)
    n = x.shape[0]
    new_mean = (1 - momentum) * running_mean + momentum * mean
    new_var = (1 - momentum) * running_var + momentum * x.var(axis=0, ddof=1)
    y = gamma * (x - mean) / np.sqrt(var + epsilon) + beta
    return y, new_mean, new_var
