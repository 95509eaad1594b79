#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# It installs normkatas into its own virtual environment (/autograder/venv),
# which run_autograder uses.
set -euo pipefail

ROOT="${AUTOGRADER_ROOT:-/autograder}"
# What pip installs; pin it for the semester, e.g. "normkatas==0.1.0".
NORMKATAS="${NORMKATAS:-normkatas}"

if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c "import ensurepip" 2>/dev/null; then
    apt-get update
    apt-get install -y python3 python3-venv python3-pip
fi
python3 -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --upgrade pip
"$ROOT/venv/bin/python" -m pip install "$NORMKATAS"
"$ROOT/venv/bin/grade" --version
