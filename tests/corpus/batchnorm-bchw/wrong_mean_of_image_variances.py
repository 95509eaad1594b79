# expect: failed
# diagnoses: mean-of-variances
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    mean = X.mean(axis=(0, 2, 3), keepdims=True)
    per_image = X.var(axis=(2, 3), keepdims=True)  # one variance per image and channel
    var = per_image.mean(axis=0, keepdims=True)
    x_hat = (X - mean) / np.sqrt(var + epsilon)
    return gamma.reshape(1, -1, 1, 1) * x_hat + beta.reshape(1, -1, 1, 1)
