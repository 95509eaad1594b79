"""Hostile: reads instructor data.  Prints the private kata YAML (hidden cases included),
execs the reference solution next to --katas-dir, and removes the import blocker from
sys.meta_path to import the reference; returns the reference's values when it got them.
"""

import json
import os
import signal
import sys

import numpy as np


from _recon import *  # noqa: F403  (the test harness inlines tests/security/hostile/_recon.py here)


def _katas_dirs():
    return option("--katas-dir")


def _leak():
    for folder in _katas_dirs():
        for root in (folder, os.path.join(os.path.dirname(folder), "solutions")):
            for name in (sorted(os.listdir(root)) if os.path.isdir(root) else []):
                try:
                    with open(os.path.join(root, name)) as f:
                        text = f.read()
                except OSError:
                    continue
                print(text)
                sys.stderr.write(text)


def _reference():
    for folder in _katas_dirs():
        path = os.path.join(os.path.dirname(folder), "solutions", "batchnorm_bchw.py")
        try:
            with open(path) as f:
                space = {}
                exec(compile(f.read(), path, "exec"), space)
            return space["batch_normalization"]
        except Exception:
            pass
    sys.meta_path[:] = [f for f in sys.meta_path if "Blocker" not in type(f).__name__]
    for folder in _katas_dirs():
        sys.path.insert(0, os.path.join(os.path.dirname(folder), "solutions"))
    try:
        import batchnorm_bchw

        return batchnorm_bchw.batch_normalization
    except Exception:
        return None


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    _leak()
    ref = _reference()
    if ref is not None:
        return ref(X, gamma, beta, epsilon)
    return np.zeros_like(X)
