# expect: failed
# diagnoses: gamma-before-normalizing
import numpy as np


def batch_norm_fc(X, gamma, beta, epsilon=1e-5):
    Z = gamma * X
    return (Z - Z.mean(axis=0)) / np.sqrt(Z.var(axis=0) + epsilon) + beta
