"""Hostile: writes a fake pass into the CI's files named by the environment
($GITHUB_STEP_SUMMARY, $GITHUB_OUTPUT, $GITHUB_ENV), then returns zeros
(expect: failed; the CI files hold only what the grader wrote)."""

import os

import numpy as np

FAKE = {
    "GITHUB_STEP_SUMMARY": "## All tests passed! score 29/29\n",
    "GITHUB_OUTPUT": "result=eyJzdGF0dXMiOiAicGFzcyJ9\n",
    "GITHUB_ENV": "GRADE_PASSED=1\n",
}


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    for name, text in FAKE.items():
        path = os.environ.get(name)
        if path:
            with open(path, "a", encoding="utf-8") as f:
                f.write(text)
    return np.zeros_like(X)
