"""Hostile: fills the disk.  Writes many files, and big ones, into the grader's output
folder and its own working folder until the disk is full (capped at 64 MB so that a test
on a real disk stays harmless).
"""

import json
import os
import signal
import sys

import numpy as np


from _recon import *  # noqa: F403  (the test harness inlines tests/security/hostile/_recon.py here)


CAP = 64 << 20


def _fill(folder):
    written, n = 0, 0
    block = b"x" * (1 << 20)
    while written < CAP:
        try:
            with open(os.path.join(folder, f"fill-{os.getpid()}-{n}.bin"), "wb") as f:
                f.write(block)
            written += len(block)
            n += 1
        except OSError:
            break
    for k in range(10000):  # then small files, for the inodes
        if not write(os.path.join(folder, f"i-{os.getpid()}-{k}"), "x"):
            break


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    for out in option("--out"):
        _fill(out)
        _fill(os.path.join(out, "results"))
    _fill(os.getcwd())
    return np.zeros_like(X)
