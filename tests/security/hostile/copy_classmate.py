"""Hostile: copying.  Finds the class folder through the grader's command line, execs a
classmate's file and returns its values.
"""

import json
import os
import signal
import sys

import numpy as np


from _recon import *  # noqa: F403  (the test harness inlines tests/security/hostile/_recon.py here)


def _classmates():
    me = os.path.abspath(__file__) if "__file__" in globals() else ""
    for _, argv in graders():
        for arg in argv[1:]:
            if os.path.isdir(arg):
                for folder, _, names in os.walk(arg):
                    for name in sorted(names):
                        path = os.path.abspath(os.path.join(folder, name))
                        if name.endswith(".py") and path != me:
                            yield path


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    for path in _classmates():
        try:
            with open(path) as f:
                space = {}
                exec(compile(f.read(), path, "exec"), space)
            theirs = space.get("batch_normalization")
            if callable(theirs) and theirs is not batch_normalization:
                return theirs(X, gamma, beta, epsilon)
        except Exception:
            continue
    return np.zeros_like(X)
