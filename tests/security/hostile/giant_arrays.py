"""Hostile: memory denial of service.  Returns a 255 MB array (the right dtype, a wrong
shape) from every call.
"""

import json
import os
import signal
import sys

import numpy as np


from _recon import *  # noqa: F403  (the test harness inlines tests/security/hostile/_recon.py here)


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    return np.ones((255, 1024, 128), dtype=np.float64)  # 255 MiB, written so it is resident
