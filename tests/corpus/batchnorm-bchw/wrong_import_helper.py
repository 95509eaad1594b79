# expect: error
# diagnoses: import-error
# Imports a helper module the student never submitted.
import numpy as np
from my_layers import normalize


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    return normalize(X, gamma, beta, epsilon)
