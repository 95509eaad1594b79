#!/bin/sh
# Build a stand-in for the `python:3.12-slim` base image from Debian packages, for
# machines that reach Debian's archive and PyPI but not Docker Hub.  Optional; needs
# root, debootstrap and a running docker daemon.  Then, in a checkout of normkatas:
#
#   docker build --build-arg BASE=normkatas-base:bookworm -t normkatas .
#
# Usage: [EXTRA_CA=FILE.crt] docker/make-local-base.sh [TAG] [MIRROR]
# TAG defaults to normkatas-base:bookworm, MIRROR to http://deb.debian.org/debian.
# EXTRA_CA: a CA certificate the image should trust too (behind a TLS-inspecting
# proxy, so that pip can reach PyPI during the build).
# Debian's python3 is 3.11 and marks its site-packages as externally managed; the
# Dockerfile installs the grader into a venv of its own, so both bases build the same.
set -eu

TAG=${1:-normkatas-base:bookworm}
MIRROR=${2:-http://deb.debian.org/debian}
ROOT=$(mktemp -d)
trap 'rm -rf "$ROOT"' EXIT

debootstrap --variant=minbase --include=ca-certificates,python3,python3-venv,python3-pip \
    bookworm "$ROOT" "$MIRROR"
if [ -n "${EXTRA_CA:-}" ]; then
    cp "$EXTRA_CA" "$ROOT/usr/local/share/ca-certificates/extra-ca.crt"
    chroot "$ROOT" update-ca-certificates
fi
chroot "$ROOT" apt-get clean
rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/*.bin
# PIP_CERT: pip in a venv trusts its own certificate bundle, not the system's.
tar -C "$ROOT" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
    --change 'CMD ["python3"]' \
    - "$TAG"
