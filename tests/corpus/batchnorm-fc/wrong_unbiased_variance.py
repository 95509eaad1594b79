# expect: failed
# diagnoses: unbiased-variance
import numpy as np


def batch_norm_fc(X, gamma, beta, epsilon=1e-5):
    mean = X.mean(axis=0)
    var = X.var(axis=0, ddof=1)
    return gamma * (X - mean) / np.sqrt(var + epsilon) + beta
