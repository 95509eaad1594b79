# expect: failed
# diagnoses: momentum-convention, biased-running-variance
import numpy as np


def batch_norm_train_eval(x, gamma, beta, running_mean, running_var, training,
                          momentum=0.1, epsilon=1e-5):
    if not training:
        x_hat = (x - running_mean) / np.sqrt(running_var + epsilon)
        return gamma * x_hat + beta, running_mean.copy(), running_var.copy()
    mean = x.mean(axis=0)
    var = ((x - mean) ** 2).mean(axis=0)
    new_mean = momentum * running_mean + (1.0 - momentum) * mean
    new_var = momentum * running_var + (1.0 - momentum) * var
    return gamma * (x - mean) / np.sqrt(var + epsilon) + beta, new_mean, new_var
