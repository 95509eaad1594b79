"""Hostile: hunts for the reference solution or its outputs inside its own process:
imports the solution module, searches sys.path and sys.modules for it, and walks
gc.get_objects() for a normalized array of the input's shape or a foreign
batch_normalization (expect: nothing found, so a failed grade).

What it found is printed ("FOUND: ..."), then it returns the first candidate.
"""

import gc
import importlib
import os
import sys

import numpy as np


def _imports():
    for name in ("batchnorm_bchw", "solutions.batchnorm_bchw", "normkatas.grading.reference",
                 "normkatas.spec.library"):
        try:
            module = importlib.import_module(name)
        except Exception:
            continue
        fn = getattr(module, "batch_normalization", None)
        if callable(fn):
            yield f"import {name}", fn


def _path():
    for entry in list(sys.path):
        for rel in ("batchnorm_bchw.py", os.path.join("solutions", "batchnorm_bchw.py")):
            path = os.path.join(entry, rel)
            if os.path.isfile(path):
                namespace = {}
                with open(path) as f:
                    exec(compile(f.read(), path, "exec"), namespace)
                fn = namespace.get("batch_normalization")
                if callable(fn):
                    yield f"sys.path {path}", fn


def _modules():
    for name, module in list(sys.modules.items()):
        if name == "submission" or module is None:
            continue
        fn = getattr(module, "batch_normalization", None)
        if callable(fn):
            yield f"sys.modules {name}", fn


def _looks_normalized(a, X, gamma, beta):
    """`a` is batch_normalization(X, gamma, beta): (a - beta) / gamma has mean 0, var 1."""
    if not isinstance(a, np.ndarray) or a.shape != X.shape or a is X:
        return False
    if not np.issubdtype(a.dtype, np.floating) or 0 in gamma:
        return False
    with np.errstate(all="ignore"):
        z = (a - beta[None, :, None, None]) / gamma[None, :, None, None]
        mean, var = z.mean(axis=(0, 2, 3)), z.var(axis=(0, 2, 3))
    return bool(np.allclose(mean, 0, atol=1e-3) and np.allclose(var, 1, atol=1e-2))


def _heap(X, gamma, beta):
    gc.unfreeze()  # what the fork server froze is left out of gc.get_objects() otherwise
    for obj in gc.get_objects():
        name = getattr(obj, "__name__", "") if callable(obj) else ""
        if name == "batch_normalization" and getattr(obj, "__module__", "") != "submission":
            yield f"gc function {obj.__module__}", obj
        values = list(obj.values())[:1000] if isinstance(obj, dict) else [obj]
        for value in values:
            if _looks_normalized(value, X, gamma, beta):
                yield "gc array", (lambda a: (lambda *args: a))(value)


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    for finder in (_imports, _path, _modules):
        for how, fn in finder():
            print("FOUND:", how, flush=True)
            return fn(X, gamma, beta, epsilon)
    for how, fn in _heap(X, gamma, beta):
        print("FOUND:", how, flush=True)
        return fn(X, gamma, beta, epsilon)
    return np.zeros_like(X)
