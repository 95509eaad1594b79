# expect: failed
# diagnoses: variance-around-global-mean
import numpy as np


def batch_norm_fc(X, gamma, beta, epsilon=1e-5):
    mu = X.mean(axis=0)
    var = ((X - X.mean()) ** 2).mean(axis=0)
    return gamma * (X - mu) / np.sqrt(var + epsilon) + beta
