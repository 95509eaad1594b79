# expect: failed
# diagnoses: unbiased-variance
import numpy as np


def layer_normalization(X, gamma, beta, epsilon=1e-5):
    Y = np.zeros(X.shape)
    for n in range(X.shape[0]):
        sample = X[n]
        mu = sample.mean()
        sigma2 = sample.var(ddof=1)
        Y[n] = gamma[:, None, None] * (sample - mu) / np.sqrt(sigma2 + epsilon) + beta[:, None, None]
    return Y
