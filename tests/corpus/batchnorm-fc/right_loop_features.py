# expect: passed
import numpy as np


def batch_norm_fc(X, gamma, beta, epsilon=1e-5):
    N, D = X.shape
    Y = np.zeros((N, D))
    for d in range(D):
        column = X[:, d]
        mean = column.sum() / N
        var = ((column - mean) ** 2).sum() / N
        Y[:, d] = gamma[d] * (column - mean) / np.sqrt(var + epsilon) + beta[d]
    return Y
