# expect: failed
# diagnoses: gamma-beta-swapped
import numpy as np


def batch_norm_fc(X, gamma, beta, epsilon=1e-5):
    N, D = X.shape
    Y = np.empty((N, D))
    for d in range(D):
        column = X[:, d]
        Y[:, d] = beta[d] * (column - column.mean()) / np.sqrt(column.var() + epsilon) + gamma[d]
    return Y
