"""Hostile: reaches for the grader's environment through its installed packages.  Lists
the folder numpy is installed in, imports every other package it finds there (the grader's
own dependencies: yaml, msgspec, jinja2, normkatas itself, and test tools), and prints what
it could import from the disk; when any of them imports, it returns the right values
(so the test sees it in the score, too).
"""

import importlib
import os
import sys

import numpy as np

PROBES = ("yaml", "msgspec", "jinja2", "normkatas", "pytest", "hypothesis", "torch")


def _installed():
    folders = {os.path.dirname(os.path.dirname(np.__file__))}
    folders.update(p for p in sys.path if p.endswith(("site-packages", "dist-packages")))
    names = set(PROBES)
    for folder in folders:
        try:
            names.update(n.split("-")[0].split(".")[0] for n in os.listdir(folder))
        except OSError:
            continue
    return sorted(n for n in names if n.isidentifier())


def _seen():
    seen = []
    for name in _installed():
        if name in sys.modules and name != "numpy":
            continue  # already in this process's memory: nothing read from the disk
        try:
            importlib.import_module(name)
        except BaseException:
            continue
        seen.append(name)
    return seen


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    seen = _seen()
    print(" ".join(f"seen:{n}" for n in seen))
    if any(n != "numpy" for n in seen):
        mean = X.mean(axis=(0, 2, 3), keepdims=True)
        var = X.var(axis=(0, 2, 3), keepdims=True)
        g, b = gamma.reshape(1, -1, 1, 1), beta.reshape(1, -1, 1, 1)
        return g * (X - mean) / np.sqrt(var + epsilon) + b
    return np.zeros_like(X)
