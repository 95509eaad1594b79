#!/usr/bin/env bash
# Run the security tests as an unprivileged user: the second run CI needs,
# since CI itself runs as root.  As root, this copies the tree (without .git
# and .venv) into a fresh folder owned by the user, then drops to that user
# with setpriv (no supplementary groups, no capabilities, no_new_privs) and
# runs pytest there with the same Python environment, whose installed
# dependencies the user only reads.  Not root: it runs the tests directly.
#
#   tests/security/run_unprivileged.sh [pytest arguments...]
#
# Environment:
#   PYTHON         the interpreter with the test dependencies (default: .venv/bin/python)
#   NK_TEST_USER   the unprivileged user (default: nobody); it needs no home
#   NK_UNPRIVILEGED_DIR  where the copy goes (default /var/tmp; not /tmp)
# Exit status: pytest's.
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
python="${PYTHON:-$repo/.venv/bin/python}"
if [ "$#" -gt 0 ]; then
    pytest_args=(-p no:cacheprovider "$@")
else
    pytest_args=(-p no:cacheprovider tests/security)
fi

if [ "$(id -u)" != "0" ]; then
    echo "run_unprivileged: already unprivileged (uid $(id -u)): running the tests directly"
    cd "$repo"
    exec "$python" -m pytest "${pytest_args[@]}"
fi
if ! command -v setpriv >/dev/null; then
    echo "run_unprivileged: setpriv (util-linux) is needed to drop privileges" >&2
    exit 2
fi

user="${NK_TEST_USER:-nobody}"
uid="$(id -u "$user")" && gid="$(id -g "$user")" || {
    echo "run_unprivileged: no user $user (set NK_TEST_USER)" >&2
    exit 2
}
drop=(setpriv --reuid="$uid" --regid="$gid" --clear-groups --inh-caps=-all
      --bounding-set=-all --no-new-privs)

# Not under /tmp: a job's own scratch folder is mounted there, which would hide the
# copy's Python environment from the jobs.
copy="$(mktemp -d "${NK_UNPRIVILEGED_DIR:-/var/tmp}/normkatas-unprivileged.XXXXXX")"
trap 'rm -rf "$copy"' EXIT
tar -C "$repo" --exclude=./.venv --exclude=./.git --exclude='*/__pycache__' -cf - . \
    | tar -C "$copy" -xf -
mkdir -p "$copy/home" "$copy/tmp"
chown -R "$uid:$gid" "$copy"
chmod 755 "$copy"

# The user must be able to run the interpreter and read what it imports.  If it
# cannot (a virtual environment over an interpreter in root's home), build one in
# the copy from a system interpreter it can run, installed as root, then handed over.
runs_for_user() {
    "${drop[@]}" env -i PATH=/usr/bin:/bin "$1" -c "import numpy, msgspec, pytest" \
        >/dev/null 2>&1
}
if ! runs_for_user "$python"; then
    base=""
    for candidate in /usr/bin/python3 /usr/local/bin/python3; do
        if [ -x "$candidate" ] && "${drop[@]}" env -i "$candidate" -c "import venv" \
                >/dev/null 2>&1; then
            base="$candidate"; break
        fi
    done
    if [ -z "$base" ]; then
        echo "run_unprivileged: $user can run neither $python nor a system python3;" \
             "set PYTHON to an interpreter with the test dependencies that $user can read" >&2
        exit 2
    fi
    echo "run_unprivileged: $user cannot use $python; installing the tests' environment" \
         "into the copy with $base"
    "$base" -m venv "$copy/.venv"
    "$copy/.venv/bin/python" -m pip install --quiet -e "$copy[test]"
    chown -R "$uid:$gid" "$copy/.venv"
    python="$copy/.venv/bin/python"
    if ! runs_for_user "$python"; then
        echo "run_unprivileged: the environment built in the copy does not work for $user" >&2
        exit 2
    fi
fi

cd "$copy"
echo "run_unprivileged: running the security tests as $user (uid $uid) in a copy of the tree"
# The copy's src/ comes first on the path, so the code under test is the copy's.
"${drop[@]}" env -i \
    HOME="$copy/home" TMPDIR="$copy/tmp" LANG=C.UTF-8 NO_COLOR=1 \
    PATH="$(dirname "$python"):/usr/local/bin:/usr/bin:/bin" \
    PYTHONPATH="$copy/src:$copy" PYTHONDONTWRITEBYTECODE=1 \
    "$python" -m pytest "${pytest_args[@]}"
