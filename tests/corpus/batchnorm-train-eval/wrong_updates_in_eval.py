# expect: failed
# diagnoses: running-updated-in-eval
import numpy as np


def batch_norm_train_eval(x, gamma, beta, running_mean, running_var, training,
                          momentum=0.1, epsilon=1e-5):
    mu = x.mean(axis=0)
    new_mean = (1 - momentum) * running_mean + momentum * mu
    new_var = (1 - momentum) * running_var + momentum * x.var(axis=0, ddof=1)
    if training:
        x_hat = (x - mu) / np.sqrt(x.var(axis=0) + epsilon)
    else:
        x_hat = (x - running_mean) / np.sqrt(running_var + epsilon)
    return gamma * x_hat + beta, new_mean, new_var
