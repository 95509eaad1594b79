# expect: failed
# diagnoses: variance-other-axes
import numpy as np


def batch_norm_fc(X, gamma, beta, epsilon=1e-5):
    mu = np.mean(X, axis=0)
    var = np.var(X)
    return gamma * (X - mu) / np.sqrt(var + epsilon) + beta
