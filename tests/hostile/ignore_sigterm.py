"""Hostile: ignores SIGTERM (and SIGINT), then loops (expect: timeout, killed anyway)."""

import signal
import time

signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.signal(signal.SIGINT, signal.SIG_IGN)


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    while True:
        time.sleep(0.01)
