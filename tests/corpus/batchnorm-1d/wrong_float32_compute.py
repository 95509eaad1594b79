# expect: failed
# diagnoses: float32-precision
import numpy as np


def batch_norm_forward(x_batch, gamma, beta, epsilon=1e-5):
    x = np.asarray(x_batch, dtype=np.float32)
    mean = x.mean()
    var = x.var()
    y = np.float32(gamma) * (x - mean) / np.sqrt(var + np.float32(epsilon)) + np.float32(beta)
    return y, mean, var
