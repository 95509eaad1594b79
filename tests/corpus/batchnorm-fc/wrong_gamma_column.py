# expect: failed
# diagnoses: affine-batch-axis
import numpy as np


def batch_norm_fc(X, gamma, beta, epsilon=1e-5):
    gamma = gamma.reshape(-1, 1)
    beta = beta.reshape(-1, 1)
    mu = X.mean(axis=0)
    var = X.var(axis=0)
    return gamma * (X - mu) / np.sqrt(var + epsilon) + beta
