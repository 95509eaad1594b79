# expect: failed
# diagnoses: reshape-without-transpose
import numpy as np


def batch_norm_fc(X, gamma, beta, epsilon=1e-5):
    D = X.shape[1]
    features = X.reshape(D, -1)  # meant as X.T
    mean = features.mean(axis=1, keepdims=True)
    var = features.var(axis=1, keepdims=True)
    x_hat = ((features - mean) / np.sqrt(var + epsilon)).reshape(X.shape)
    return gamma * x_hat + beta
