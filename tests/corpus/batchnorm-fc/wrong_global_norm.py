# expect: failed
# diagnoses: global-norm
# reduced_axes: 0, 1
import numpy as np


def batch_norm_fc(X, gamma, beta, epsilon=1e-5):
    return gamma * (X - X.mean()) / np.sqrt(X.var() + epsilon) + beta
