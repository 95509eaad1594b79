# expect: failed
# diagnoses: float32-precision
import numpy as np


def batch_norm_fc(X, gamma, beta, epsilon=1e-5):
    X = np.float32(X)
    mu = X.mean(axis=0)
    var = X.var(axis=0)
    return (np.float32(gamma) * (X - mu) / np.sqrt(var + np.float32(epsilon))
            + np.float32(beta))
