"""A submission that looks around before it answers: the grader's processes in /proc,
the class folder (other submissions, the output folder), the grader's installed package
and the network.  It prints what it found, and returns the right values only when it
found nothing (so a class run shows a breach as a failure of this student).
"""

import os
import socket
import sys

import numpy as np


def _grader_in_proc():
    """Processes of another uid that give something away (a namespace's idle init,
    whose command line is its own, gives nothing)."""
    mine, found = os.getuid(), []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status") as f:
                uid = next(int(line.split()[1]) for line in f if line.startswith("Uid:"))
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except (OSError, StopIteration, ValueError):
            continue
        if uid == mine:
            continue
        if any(word in cmdline for word in ("grade", "submissions", "normkatas", "python")):
            found.append(f"/proc/{name}: {cmdline[:80]}")
        try:
            with open(f"/proc/{name}/environ", "rb") as f:
                found.append(f"/proc/{name}/environ: {len(f.read())} bytes")
        except OSError:
            pass
    return found


def _package():
    found = []
    for entry in sys.path:
        try:
            if "normkatas" in os.listdir(entry or "."):
                found.append(f"normkatas in {entry}")
        except OSError:
            continue
    return found


def _readable(folders):
    found = []
    for folder in folders:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        found.append(f"{folder}: {sorted(names)[:5]}")
    return found


def _network():
    try:
        socket.create_connection(("1.1.1.1", 53), timeout=2).close()
        return ["network: 1.1.1.1:53 reachable"]
    except OSError:
        return []


def _findings():
    return (_grader_in_proc() + _package()
            + _readable(["/class", "/class/submissions", "/class/graded", "/class/katas"])
            + _network())


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    findings = _findings()
    print("probe saw:", findings or "nothing")
    X = np.asarray(X, dtype=np.float64)
    mean = X.mean(axis=(0, 2, 3), keepdims=True)
    var = X.var(axis=(0, 2, 3), keepdims=True)
    Y = (np.reshape(gamma, (1, -1, 1, 1)) * (X - mean) / np.sqrt(var + epsilon)
         + np.reshape(beta, (1, -1, 1, 1)))
    return np.zeros_like(Y) if findings else Y
