# expect: failed
# diagnoses: integer-output
import numpy as np


def batch_norm_fc(X, gamma, beta, epsilon=1e-5):
    mu = X.mean(axis=0)
    var = X.var(axis=0)
    return (gamma * (X - mu) / np.sqrt(var + epsilon) + beta).astype(int)
