# expect: failed
# diagnoses: wrong-return-type
import numpy as np


def batch_norm_fc(X, gamma, beta, epsilon=1e-5):
    mu = X.mean(axis=0)
    var = X.var(axis=0)
    Y = gamma * (X - mu) / np.sqrt(var + epsilon) + beta
    return Y.tolist()
