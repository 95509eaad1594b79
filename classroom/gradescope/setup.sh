#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# It installs normkatas into its own virtual environment (/autograder/venv),
# owned by root and not writable by anyone else, which run_autograder uses.
# What pip installs is read from requirements-grader.txt (a pinned release or
# a tag: the one line to change for the semester), next to this script in
# the autograder zip, or in the template folder above it.
set -euo pipefail

ROOT="${AUTOGRADER_ROOT:-/autograder}"
HERE="$(cd "$(dirname "$0")" && pwd)"
REQUIREMENTS="${REQUIREMENTS:-}"
if [ -z "$REQUIREMENTS" ]; then
    for candidate in "$HERE/requirements-grader.txt" "$HERE/../requirements-grader.txt"; do
        if [ -f "$candidate" ]; then REQUIREMENTS="$candidate"; break; fi
    done
fi
if [ -z "$REQUIREMENTS" ]; then
    echo "setup.sh: requirements-grader.txt not found next to setup.sh; add it to the zip" >&2
    exit 1
fi

if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c "import ensurepip" 2>/dev/null; then
    apt-get update
    apt-get install -y python3 python3-venv python3-pip
fi
umask 022
python3 -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --upgrade pip
"$ROOT/venv/bin/python" -m pip install -r "$REQUIREMENTS"
# Only root may change what the grader imports; everyone may read it (numpy).
if [ "$(id -u)" = "0" ]; then chown -R 0:0 "$ROOT/venv"; fi
chmod -R go-w,go+rX "$ROOT/venv"
"$ROOT/venv/bin/grade" --version
