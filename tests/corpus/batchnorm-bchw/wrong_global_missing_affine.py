# expect: failed
# diagnoses: global-norm, missing-affine
# reduced_axes: 0, 1, 2, 3
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    flat = X.ravel()
    return ((flat - flat.mean()) / np.sqrt(flat.var() + epsilon)).reshape(X.shape)
