# expect: failed
# diagnoses: variance-around-sample-mean
import numpy as np


def batch_norm_fc(X, gamma, beta, epsilon=1e-5):
    mu = X.mean(axis=0)
    row_mean = X.mean(axis=1, keepdims=True)
    var = ((X - row_mean) ** 2).mean(axis=0)
    return gamma * (X - mu) / np.sqrt(var + epsilon) + beta
