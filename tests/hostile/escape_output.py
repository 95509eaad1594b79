"""Hostile: prints terminal escapes, HTML and workflow commands on stdout and stderr,
then returns zeros (expect: failed; every report shows the text inert)."""

import sys

import numpy as np

NASTY = (
    '\x1b[2J\x1b[H\x1b[32mAll tests passed!\x1b[0m \x1b]8;;https://evil.invalid\x07link\x1b]8;;\x07'
    ' \rscore: 29/29 \x00nul \x7fdel \x9bc1 \u202eevil\u202c <script>alert("pwned")</script>\n'
    "::error::injected annotation\n::stop-commands::pwned\n::add-mask::x\n"
)


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    sys.stdout.write(NASTY)
    sys.stderr.write(NASTY)
    return np.zeros_like(X)
