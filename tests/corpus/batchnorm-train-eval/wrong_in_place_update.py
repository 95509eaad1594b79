# expect: failed
# diagnoses: mutated-input
# PyTorch updates its buffers in place; this kata asks for new arrays.
import numpy as np


def batch_norm_train_eval(x, gamma, beta, running_mean, running_var, training,
                          momentum=0.1, epsilon=1e-5):
    if training:
        mean, var = x.mean(axis=0), x.var(axis=0)
        running_mean *= 1 - momentum
        running_mean += momentum * mean
        running_var *= 1 - momentum
        running_var += momentum * x.var(axis=0, ddof=1)
    else:
        mean, var = running_mean, running_var
    y = gamma * (x - mean) / np.sqrt(var + epsilon) + beta
    return y, running_mean, running_var
