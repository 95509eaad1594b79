"""Notebooks for the tests, written as nbformat 4 files."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

IMPORTS = (
    "%matplotlib inline\n!pip install numpy\nimport numpy as np\nimport matplotlib.pyplot as plt"
)
WRONG = (
    "def batch_normalization(X, gamma, beta, epsilon=1e-5):\n"
    "    # normalise each sample\n"
    "    mean = X.mean(axis=(1, 2, 3), keepdims=True)\n"
    "    var = X.var(axis=(1, 2, 3), keepdims=True)\n"
    "    X_hat = (X - mean) / np.sqrt(var + epsilon)\n"
    "    return gamma.reshape(1, -1, 1, 1) * X_hat + beta.reshape(1, -1, 1, 1)"
)
CORRECT = WRONG.replace("(1, 2, 3)", "(0, 2, 3)")
PLOT = (
    "X = np.random.randn(4, 3, 2, 2)\n"
    "out = batch_normalization(X, np.ones(3), np.zeros(3))\n"
    "plt.hist(out.ravel())\n"
    "plt.show()"
)
WRONG_LINE = "    mean = X.mean(axis=(1, 2, 3), keepdims=True)"
"""Cell 4, line 3 of `student_cells(WRONG)`."""


def student_cells(function: str) -> list[tuple[str, str] | tuple[str, str, list[str]]]:
    """A notebook with magics, a shell escape, a plotting cell, a skipped cell and `function`."""
    return [
        ("markdown", "# Batch normalization\nImplement it below."),
        ("code", IMPORTS),
        ("markdown", "## My solution"),
        ("code", function),
        ("code", PLOT),
        ("code", "%%timeit\nbatch_normalization(X, np.ones(3), np.zeros(3))"),
        ("code", "raise RuntimeError('scratch work')", ["skip-grade"]),
    ]


def write_notebook(
    path: Path, cells: Sequence[tuple[str, str] | tuple[str, str, list[str]]]
) -> Path:
    out = []
    for kind, source, *rest in cells:
        cell: dict[str, object] = {
            "cell_type": kind,
            "metadata": {"tags": rest[0]} if rest else {},
            "source": source.splitlines(keepends=True),
        }
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        out.append(cell)
    data = {
        "cells": out,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return path
