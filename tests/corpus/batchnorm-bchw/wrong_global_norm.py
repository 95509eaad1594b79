# expect: failed
# diagnoses: global-norm
# reduced_axes: 0, 1, 2, 3
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    X_hat = (X - X.mean()) / np.sqrt(X.var() + epsilon)
    return gamma.reshape(1, -1, 1, 1) * X_hat + beta.reshape(1, -1, 1, 1)
