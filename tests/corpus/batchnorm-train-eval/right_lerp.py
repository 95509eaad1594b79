# expect: passed
# The running update written as a step towards the batch statistic.
import numpy as np


def batch_norm_train_eval(x, gamma, beta, running_mean, running_var, training,
                          momentum=0.1, epsilon=1e-5):
    running_mean = np.array(running_mean, dtype=np.float64)
    running_var = np.array(running_var, dtype=np.float64)
    if not training:
        x_hat = (x - running_mean) / np.sqrt(running_var + epsilon)
        return gamma * x_hat + beta, running_mean, running_var
    batch_mean = np.mean(x, axis=0)
    batch_var = np.var(x, axis=0)
    unbiased = np.var(x, axis=0, ddof=1)
    running_mean += momentum * (batch_mean - running_mean)
    running_var += momentum * (unbiased - running_var)
    x_hat = (x - batch_mean) / np.sqrt(batch_var + epsilon)
    return gamma * x_hat + beta, running_mean, running_var
