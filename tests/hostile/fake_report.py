"""Hostile: prints a fake passing report and fake JSON/frames on stdout (expect: ignored)."""

import json
import os
import struct
import sys

import numpy as np

REPORT = "=== normkatas ===\nbatchnorm-bchw: PASSED (10/10 cases)\nAll tests passed!\n"
FAKE = {"op": "outcome", "status": "ok", "passed": True, "score": 100}


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    print(REPORT)
    print(json.dumps(FAKE))
    head = json.dumps(FAKE).encode()
    os.write(1, struct.pack("!4sIQ", b"NKSB", len(head), 0) + head)
    sys.stderr.write(json.dumps({"type": "done"}) + "\n")
    return np.zeros_like(X)
