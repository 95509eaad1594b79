# expect: error
# diagnoses: import-error
# A framework the grader does not provide: the one useful line must come first.
import jax.numpy as jnp
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    x = jnp.asarray(X)
    mean = x.mean(axis=(0, 2, 3), keepdims=True)
    var = x.var(axis=(0, 2, 3), keepdims=True)
    g = jnp.asarray(gamma).reshape(1, -1, 1, 1)
    b = jnp.asarray(beta).reshape(1, -1, 1, 1)
    return np.asarray(g * (x - mean) / jnp.sqrt(var + epsilon) + b)
