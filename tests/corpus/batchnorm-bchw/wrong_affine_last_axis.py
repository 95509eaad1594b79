# expect: failed
# diagnoses: affine-wrong-axis
# gamma of shape (C,) lines up with W: raises when W != C, silently wrong when W == C.
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    mean = X.mean(axis=(0, 2, 3), keepdims=True)
    var = X.var(axis=(0, 2, 3), keepdims=True)
    X_hat = (X - mean) / np.sqrt(var + epsilon)
    return gamma * X_hat + beta
