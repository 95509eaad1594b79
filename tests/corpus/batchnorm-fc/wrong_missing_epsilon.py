# expect: failed
# diagnoses: missing-epsilon
import numpy as np


def batch_norm_fc(X, gamma, beta, epsilon=1e-5):
    return gamma * (X - X.mean(axis=0)) / X.std(axis=0) + beta
