# Class grading on Linux with the sandbox's protections.
#
#   docker build -t normkatas .
#   docker run --rm --cap-add SYS_ADMIN --security-opt seccomp=unconfined \
#       --security-opt apparmor=unconfined --network none \
#       -v "$PWD/submissions:/class/submissions:ro" -v "$PWD/out:/class/out" \
#       normkatas /class/submissions --out /class/out
#
# The grader runs as root inside the container so that every concurrent job gets a
# uid of its own; SYS_ADMIN and the unconfined seccomp/AppArmor profiles let it make
# the pid, mount, network and IPC namespaces and the job's filesystem view (they are
# not given to the student code, which runs with no capabilities and no_new_privs).
# Without those flags the container still grades, with a separate uid per job but
# without namespaces; the operator output names the protections that are missing.
# Private katas: add  -v "$PWD/katas:/class/katas:ro"  and  --katas-dir /class/katas.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /opt/normkatas
COPY pyproject.toml README.md ./
COPY src ./src
COPY katas ./katas
COPY solutions ./solutions
# A regular (not editable) install: the package lives in site-packages, read-only to jobs
# and hidden from their filesystem view.  Nothing of the build context is needed after.
RUN pip install . && rm -rf /opt/normkatas

WORKDIR /class
ENTRYPOINT ["grade"]
CMD ["--help"]
