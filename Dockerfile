# Class grading on Linux with the sandbox's protections.  Build the image in a checkout
# of normkatas, then grade in the class folder (submissions/ in, graded/ out):
#
#   docker build -t normkatas .
#   docker run --rm --cap-add SYS_ADMIN --security-opt seccomp=unconfined --security-opt apparmor=unconfined --network none -v "$PWD:/class" normkatas submissions/ --out graded/
#
# Where Docker Hub cannot be reached, build a stand-in base from Debian packages
# (docker/make-local-base.sh) and pass it:  --build-arg BASE=normkatas-base:bookworm
#
# The grader runs as root inside the container so that every concurrent job gets a
# uid of its own; SYS_ADMIN and the unconfined seccomp/AppArmor profiles let it make
# the pid, mount, network and IPC namespaces and the job's filesystem view (they are
# not given to the student code, which runs with no capabilities and no_new_privs).
# Without those flags the container still grades, with a separate uid per job but
# without namespaces; the operator output names the protections that are missing and
# the flags to add.
# Private katas: put their folder in the class folder and add  --katas-dir katas
ARG BASE=python:3.12-slim
FROM ${BASE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /opt/normkatas
COPY pyproject.toml README.md ./
COPY src ./src
COPY katas ./katas
COPY solutions ./solutions
# A regular (not editable) install into a venv of its own (the same on the official
# image and on a Debian python3, whose site-packages pip may not touch): the package
# lives in site-packages, read-only to jobs and hidden from their filesystem view.
# The bundled katas and reference solutions (hidden cases among them) are readable by
# root only: where the container is not allowed the filesystem view, a job (another
# uid) still cannot read them, and the grader grades instead of refusing.  Nothing of
# the build context is needed after.
RUN python3 -m venv /opt/venv && /opt/venv/bin/pip install . \
    && chmod -R go-rwx "$(/opt/venv/bin/python -c 'import normkatas, os; print(os.path.dirname(normkatas.__file__))')/_data" \
    && rm -rf /opt/normkatas
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /class
ENTRYPOINT ["grade"]
CMD ["--help"]
