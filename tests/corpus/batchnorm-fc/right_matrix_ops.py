# expect: passed
# Means as a product with a row of 1/N, the scale folded into one factor.
import numpy as np


def batch_norm_fc(X, gamma, beta, epsilon=1e-5):
    N = X.shape[0]
    avg = np.full(N, 1.0 / N)
    mean = avg @ X
    centered = X - mean
    var = avg @ (centered * centered)
    scale = gamma / np.sqrt(var + epsilon)
    return centered * scale + beta
