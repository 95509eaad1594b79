# expect: error
# diagnoses: import-error
# A framework the grader does not provide: the one useful line must come first.
import torch
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    x = torch.from_numpy(X)
    mean = x.mean(dim=(0, 2, 3), keepdim=True)
    var = x.var(dim=(0, 2, 3), unbiased=False, keepdim=True)
    g = torch.from_numpy(gamma).view(1, -1, 1, 1)
    b = torch.from_numpy(beta).view(1, -1, 1, 1)
    return (g * (x - mean) / torch.sqrt(var + epsilon) + b).numpy()
