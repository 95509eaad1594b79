"""Hostile: leaves children behind: a plain child and a double-forked setsid daemon.

Prints their pids on stdout ("PIDS: a b") so the test can check they are gone.
(expect: ok, and no process left running)
"""

import os
import time

import numpy as np


def _reference(X, gamma, beta, epsilon):
    m = X.mean(axis=(0, 2, 3), keepdims=True)
    v = X.var(axis=(0, 2, 3), keepdims=True)
    return gamma[None, :, None, None] * (X - m) / np.sqrt(v + epsilon) + beta[None, :, None, None]


def _daemon(pipe_w):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.write(pipe_w, f"{os.getpid()} ".encode())
            time.sleep(3600)
        os._exit(0)


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    r, w = os.pipe()
    child = os.fork()
    if child == 0:
        time.sleep(3600)
        os._exit(0)
    _daemon(w)
    os.close(w)
    daemon = os.read(r, 64).decode().strip()
    print(f"PIDS: {child} {daemon}", flush=True)
    return _reference(X, gamma, beta, epsilon)
