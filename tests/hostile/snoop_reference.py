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
    for name in ("batchnorm_bchw", "solutions.batchnorm_bchw", "grader.reference",
                 "grader.spec.catalogue"):
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
                exec(compile(open(path).read(), path, "exec"), namespace)
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


def _looks_normalized(a, X):
    if a.shape != X.shape or a is X or not np.issubdtype(a.dtype, np.floating):
        return False
    with np.errstate(all="ignore"):
        m = a.mean(axis=(0, 2, 3))
    return bool(np.all(np.isfinite(m))) and not np.array_equal(a, X)


def _heap(X):
    for obj in gc.get_objects():
        if callable(obj) and getattr(obj, "__name__", "") == "batch_normalization":
            if getattr(obj, "__module__", "") != "submission":
                yield f"gc function {obj.__module__}", obj
        if isinstance(obj, np.ndarray) and _looks_normalized(obj, X):
            yield "gc array", (lambda a: (lambda *args, **kw: a))(obj)
        if isinstance(obj, dict):
            for value in list(obj.values())[:1000]:
                if isinstance(value, np.ndarray) and _looks_normalized(value, X):
                    yield "gc dict array", (lambda a: (lambda *args, **kw: a))(value)


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    for finder in (_imports, _path, _modules):
        for how, fn in finder():
            print("FOUND:", how, flush=True)
            return fn(X, gamma, beta, epsilon)
    for how, fn in _heap(X):
        print("FOUND:", how, flush=True)
        return fn()
    return np.zeros_like(X)
