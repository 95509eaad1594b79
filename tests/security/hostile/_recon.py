"""What every attack here shares: the grader's processes and command line, found
through /proc as an attacker would, and a write that never raises.

A submission is one file, so the test harness inlines this module where an attack
says ``from _recon import *`` (tests/security/support.py, `hostile_source`).
"""

import os

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
