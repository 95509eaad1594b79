"""Identities, namespaces and the job's filesystem view (Linux), and what is in place.

Three moments, three functions:

- :func:`setup_slot` runs once in each fork server (one per concurrent job
  slot), before it says ``ready``: a user namespace when the grader is not
  root, then mount, network and IPC namespaces, and a minimal filesystem view
  (``pivot_root`` into a read-only tmpfs holding read-only binds of the Python
  install and system libraries, a few device nodes, ``/proc`` and ``/tmp``
  mount points).  It answers with a :class:`Protections` record: what this
  platform gave us.
- The slot's pid namespace and its init are :mod:`normkatas.sandbox.reaper`'s.
- :func:`enter_job` runs in the worker, before any student code: it takes a
  mount namespace of its own, mounts its ``/proc`` (of the slot's pid
  namespace) and a size-limited
  tmpfs scratch folder at ``/tmp`` (cwd, ``TMPDIR``, ``HOME``), then becomes
  the job identity: its own uid/gid per slot when the grader is root
  (``setgroups([])``, ``setresgid``, ``setresuid``), or, in a user namespace,
  an id with no capabilities and an empty bounding set; always
  ``no_new_privs``.

Everything degrades: where a step is refused, the record says which
protection is missing (see :data:`PROTECTION_NAMES`) and the caller decides.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import platform
import stat
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from normkatas.sandbox.limits import IS_LINUX

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_NOATIME = 1024
MS_NODIRATIME = 2048
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MS_RELATIME = 1 << 21
MNT_DETACH = 2

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38

_SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "s390x": 217}
_SYS_CAPSET = {"x86_64": 126, "aarch64": 91, "riscv64": 91, "ppc64le": 184, "s390x": 185}
_LINUX_CAPABILITY_VERSION_3 = 0x20080522

DEFAULT_BASE_UID = 2_000_000_000
"""First uid/gid of the job identities when the grader is root (slot i: base + i)."""
BASE_UID_VAR = "NORMKATAS_SANDBOX_BASE_UID"
ISOLATION_VAR = "NORMKATAS_SANDBOX_ISOLATION"
SCRATCH_INODES = 4096
SYSTEM_DIRS = ("/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin")
DEVICES = ("null", "zero", "full", "random", "urandom")
MOUNT_POINTS = ("/proc", "/tmp", "/dev")
SCRATCH_ELSEWHERE = "/scratch"

Identity = Literal["separate-uid", "user-namespace", "shared"]

PROTECTION_NAMES: dict[str, str] = {
    "identity": "the job runs as an identity of its own (uid per slot, or a user namespace)",
    "pid-namespace": "the job has its own pid namespace: it cannot see or signal the grader, "
    "and everything it started dies with it",
    "filesystem-view": "the job sees only the Python install (read-only), its scratch folder "
    "and a few devices: no kata, reference, output folder or other submission",
    "network": "the job has no network (network namespace)",
    "ipc": "the job has its own System V IPC namespace",
    "private-scratch": "each job gets a private size-limited scratch folder (tmpfs)",
    "no-new-privs": "the job cannot gain privileges (no_new_privs, no capabilities)",
}
"""Every protection by key, with what it means (for operators and docs)."""


@dataclass(frozen=True)
class IsolationOptions:
    """How a Sandbox isolates jobs: ``enabled=False`` keeps the plain process sandbox."""

    enabled: bool = True
    base_uid: int = DEFAULT_BASE_UID
    """Root only: slot ``i`` runs as uid and gid ``base_uid + i`` (no passwd entry needed)."""
    scratch_mb: int = 64
    """Size of each job's private scratch folder (tmpfs)."""
    view: bool = True
    """The filesystem view (False: the job sees the whole filesystem, as its identity's
    permissions allow; the grader then checks those permissions)."""

    @staticmethod
    def from_environment(enabled: bool = True) -> IsolationOptions:
        """``NORMKATAS_SANDBOX_BASE_UID`` sets the base uid; ``NORMKATAS_SANDBOX_ISOLATION=off``
        keeps the plain process sandbox (for side-by-side benchmarks), ``=no-view`` keeps
        the identity and namespaces without the filesystem view (what a kernel that
        refuses ``pivot_root`` gives; for tests of the permission checks)."""
        setting = os.environ.get(ISOLATION_VAR, "").lower()
        if setting == "off":
            enabled = False
        raw = os.environ.get(BASE_UID_VAR, "")
        base = int(raw) if raw.isdigit() and 0 < int(raw) < 2**32 - 1024 else DEFAULT_BASE_UID
        return IsolationOptions(enabled=enabled, base_uid=base, view=setting != "no-view")


@dataclass(frozen=True)
class Protections:
    """What isolates a job on this platform: data for the grader and the operator."""

    identity: Identity = "shared"
    pid_namespace: bool = False
    filesystem_view: bool = False
    network: bool = False
    ipc: bool = False
    private_scratch: bool = False
    no_new_privs: bool = False
    uid: int | None = None
    """The job's uid as the rest of the system sees it (``separate-uid``)."""
    visible: tuple[str, ...] = ()
    """With a filesystem view: the folders the job sees (read-only)..."""
    masked: tuple[str, ...] = ()
    """...but for these inside them, which it sees empty (installed packages but numpy,
    the grader's package)."""
    notes: tuple[str, ...] = field(default=(), compare=False)
    """Why a protection is missing (the refused system call), for operators."""

    @property
    def in_place(self) -> tuple[str, ...]:
        flags = {
            "identity": self.identity != "shared",
            "pid-namespace": self.pid_namespace,
            "filesystem-view": self.filesystem_view,
            "network": self.network,
            "ipc": self.ipc,
            "private-scratch": self.private_scratch,
            "no-new-privs": self.no_new_privs,
        }
        return tuple(k for k in PROTECTION_NAMES if flags[k])

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(k for k in PROTECTION_NAMES if k not in self.in_place)

    @property
    def complete(self) -> bool:
        return not self.missing

    def job_can_read(self, path: str | os.PathLike[str]) -> bool:
        """Could a job read ``path`` (a file, or list a folder)?  Conservative: True
        when unsure.  The grader refuses hidden cases from a folder a job can read."""
        real = os.path.realpath(path)
        if self.filesystem_view:
            numpy = [v for v in self.visible if _under(v, self.masked)]
            return _under(real, self.visible) and (
                not _under(real, self.masked) or _under(real, numpy))
        if self.identity != "separate-uid":
            return True  # the job is the grading user
        return _readable_by_others(real)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["in_place"] = list(self.in_place)
        data["missing"] = list(self.missing)
        return data

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Protections:
        identity = data.get("identity")
        return Protections(
            identity=identity if identity in ("separate-uid", "user-namespace") else "shared",
            pid_namespace=data.get("pid_namespace") is True,
            filesystem_view=data.get("filesystem_view") is True,
            network=data.get("network") is True,
            ipc=data.get("ipc") is True,
            private_scratch=data.get("private_scratch") is True,
            no_new_privs=data.get("no_new_privs") is True,
            uid=data["uid"] if type(data.get("uid")) is int else None,
            visible=tuple(str(v) for v in data.get("visible") or ()),
            masked=tuple(str(v) for v in data.get("masked") or ()),
            notes=tuple(str(n) for n in data.get("notes") or ()),
        )

    @staticmethod
    def weakest(records: Iterable[Protections]) -> Protections:
        """What every slot has (a protection counts only if all slots have it)."""
        items = list(records)
        if not items:
            return Protections()
        identities = {p.identity for p in items}
        return Protections(
            identity=items[0].identity if len(identities) == 1 else "shared",
            pid_namespace=all(p.pid_namespace for p in items),
            filesystem_view=all(p.filesystem_view for p in items),
            network=all(p.network for p in items),
            ipc=all(p.ipc for p in items),
            private_scratch=all(p.private_scratch for p in items),
            no_new_privs=all(p.no_new_privs for p in items),
            uid=None,
            visible=tuple(sorted({v for p in items for v in p.visible})),
            masked=tuple(sorted({v for p in items for v in p.masked})),
            notes=tuple(dict.fromkeys(n for p in items for n in p.notes)),
        )


def _readable_by_others(real: str) -> bool:
    """Readable by a uid that is neither the owner nor in the group (every ancestor
    searchable by others, the target readable by others)."""
    parts = real.split("/")
    for i in range(2, len(parts)):
        try:
            mode = os.stat("/".join(parts[:i]) or "/").st_mode
        except OSError:
            return True
        if not mode & stat.S_IXOTH:
            return False
    try:
        return bool(os.stat(real).st_mode & stat.S_IROTH)
    except OSError:
        return True


# -- system calls ---------------------------------------------------------------------

_libc: Any = None


def _c() -> Any:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
        _libc.mount.argtypes = [
            ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p
        ]
        _libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
        _libc.unshare.argtypes = [ctypes.c_int]
        _libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                                ctypes.c_ulong]
        _libc.syscall.restype = ctypes.c_long
    return _libc


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _enc(text: str | None) -> bytes | None:
    return None if text is None else os.fsencode(text)


def mount(source: str | None, target: str, fstype: str | None, flags: int,
          data: str | None = None) -> None:
    _check(_c().mount(_enc(source), _enc(target), _enc(fstype), flags, _enc(data)),
           f"mount {target}")


def unshare(flags: int) -> None:
    unshare_fn = getattr(os, "unshare", None)
    if unshare_fn is not None:
        unshare_fn(flags)
        return
    _check(_c().unshare(flags), "unshare")


def prctl(option: int, value: int) -> None:
    _check(_c().prctl(option, value, 0, 0, 0), f"prctl {option}")


def _pivot_root(new_root: str, put_old: str) -> None:
    number = _SYS_PIVOT_ROOT.get(platform.machine())
    if number is None:
        raise OSError(errno.ENOSYS, "pivot_root: unknown system call number")
    _check(_c().syscall(number, _enc(new_root), _enc(put_old)), "pivot_root")


def drop_capabilities() -> None:
    """No capability left: empty bounding set, then effective/permitted/inheritable."""
    for cap in range(64):
        if _c().prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            if ctypes.get_errno() == errno.EINVAL:
                break  # past the last capability this kernel knows
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")
    number = _SYS_CAPSET.get(platform.machine())
    if number is None:
        raise OSError(errno.ENOSYS, "capset: unknown system call number")
    header = (ctypes.c_uint32 * 2)(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()
    _check(_c().syscall(number, header, data), "capset")


def set_no_new_privs() -> bool:
    try:
        prctl(PR_SET_NO_NEW_PRIVS, 1)
        return True
    except OSError:
        return False


def set_undumpable() -> None:
    """Same-uid processes cannot ptrace us or read our /proc files (mem, environ, fd)."""
    if IS_LINUX:
        with contextlib.suppress(OSError, AttributeError):
            prctl(PR_SET_DUMPABLE, 0)


# -- once per slot ------------------------------------------------------------------------


@dataclass
class SlotState:
    """What the fork server set up for its slot (and the job processes need to know)."""

    options: IsolationOptions
    protections: Protections
    uid: int | None = None
    gid: int | None = None
    userns: bool = False
    scratch_point: str = "/tmp"
    """Where each job's scratch tmpfs is mounted in the view: ``/tmp``, unless the Python
    install itself lives under /tmp (a venv made there), which the scratch would hide."""


def scratch_point_for(visible: Iterable[str]) -> str:
    """``/tmp`` for the job's scratch, or ``/scratch`` when part of the view is in /tmp."""
    under_tmp = any(v == "/tmp" or v.startswith("/tmp/") for v in visible)
    return SCRATCH_ELSEWHERE if under_tmp else "/tmp"


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode("ascii"))
    finally:
        os.close(fd)


def _enter_user_namespace() -> None:
    uid, gid = os.getuid(), os.getgid()
    unshare(CLONE_NEWUSER)
    with contextlib.suppress(FileNotFoundError):
        _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"0 {uid} 1\n")
    _write("/proc/self/gid_map", f"0 {gid} 1\n")


_ST_TO_MS = (
    (os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV), (os.ST_NOEXEC, MS_NOEXEC),
    (getattr(os, "ST_NOATIME", 1024), MS_NOATIME),
    (getattr(os, "ST_NODIRATIME", 2048), MS_NODIRATIME),
    (getattr(os, "ST_RELATIME", 4096), MS_RELATIME),
) if IS_LINUX else ()


def _kept_flags(path: str) -> int:
    """The mount flags of ``path`` a remount must keep (locked in a user namespace)."""
    flag = os.statvfs(path).f_flag
    return sum(ms for st, ms in _ST_TO_MS if flag & st)


def view_sources(extra: Iterable[str] = ()) -> list[str]:
    """The folders the job sees read-only: the Python install, numpy, system libraries
    (installed packages other than numpy are masked, see :func:`masked_inside`)."""
    wanted = [sys.base_prefix, sys.prefix, sys.base_exec_prefix, sys.exec_prefix]
    wanted += numpy_folders()
    wanted += [d for d in SYSTEM_DIRS if os.path.isdir(d) and not os.path.islink(d)]
    wanted += list(extra)
    real = sorted({os.path.realpath(p) for p in wanted if p and os.path.isdir(p)}, key=len)
    kept: list[str] = []
    for path in real:
        if path == "/" or _under(path, kept):
            continue
        kept.append(path)
    return kept


def _under(path: str, folders: Iterable[str]) -> bool:
    """Is ``path`` one of ``folders`` or inside one?"""
    return any(path == f or path.startswith(f.rstrip("/") + "/") for f in folders)


def numpy_folders() -> list[str]:
    """numpy's package folder and its bundled libraries (``numpy.libs``): the only
    installed packages a job sees."""
    numpy_file = getattr(sys.modules.get("numpy"), "__file__", None)
    if not isinstance(numpy_file, str):
        return []
    package = os.path.realpath(os.path.dirname(os.path.abspath(numpy_file)))
    libs = os.path.join(os.path.dirname(package), "numpy.libs")
    return [package, *([os.path.realpath(libs)] if os.path.isdir(libs) else [])]


def site_folders() -> list[str]:
    """Every folder installed packages live in: the site-packages and dist-packages of
    each prefix and scheme, the user's, and those on ``sys.path``."""
    import site
    import sysconfig

    found: set[str] = set()
    prefixes = {sys.base_prefix, sys.prefix, sys.base_exec_prefix, sys.exec_prefix}
    for prefix in prefixes:
        base = {"base": prefix, "platbase": prefix, "installed_base": prefix,
                "installed_platbase": prefix}
        for scheme in sysconfig.get_scheme_names():
            with contextlib.suppress(KeyError, ValueError):
                paths = sysconfig.get_paths(scheme, vars=base)
                found.update((paths.get("purelib", ""), paths.get("platlib", "")))
    with contextlib.suppress(AttributeError, OSError):
        found.update(site.getsitepackages())
    with contextlib.suppress(AttributeError, OSError):
        found.add(site.getusersitepackages())
    found.update(p for p in sys.path if os.path.basename(p) in ("site-packages", "dist-packages"))
    numpy = numpy_folders()
    if numpy:
        found.add(os.path.dirname(numpy[0]))
    return sorted({os.path.realpath(p) for p in found if p and os.path.isdir(p)})


def masked_inside(visible: list[str]) -> list[str]:
    """Folders inside the view that the job must not see, each covered by an empty
    read-only tmpfs: the grader's own package (its bundled katas and reference solutions)
    and every folder of installed packages (numpy is bound back inside its own)."""
    package = os.path.realpath(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    inside = sorted((p for p in [package, *site_folders()] if _under(p, visible)), key=len)
    kept: list[str] = []
    for path in inside:  # the outermost of nested folders is enough
        if not _under(path, kept):
            kept.append(path)
    return kept


def _build_view(scratch_tmp: str = "/tmp") -> tuple[list[str], list[str]]:
    """Make and enter the minimal filesystem view; returns the folders bound into it and
    the folders masked inside those."""
    visible = view_sources()
    masked = masked_inside(visible)
    numpy = [p for p in numpy_folders() if _under(p, masked)]  # bound back into its mask
    sources = {path: os.open(path, os.O_PATH | os.O_CLOEXEC) for path in [*visible, *numpy]}
    devices = {}
    for name in DEVICES:
        with contextlib.suppress(OSError):
            devices[name] = os.open(f"/dev/{name}", os.O_PATH | os.O_CLOEXEC)
    symlinks = {d: os.readlink(d) for d in SYSTEM_DIRS if os.path.islink(d)}
    old_umask = os.umask(0o022)  # the view's folders must be traversable by the job's uid
    try:
        mount(None, "/", None, MS_REC | MS_PRIVATE)
        root = scratch_tmp  # staging: a tmpfs on /tmp of this namespace (sources are open)
        mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,nr_inodes=1024,mode=0755")
        for path in visible:
            fd, target = sources[path], root + path
            os.makedirs(target, exist_ok=True)
            mount(f"/proc/self/fd/{fd}", target, None, MS_BIND)
            mount(None, target, None,
                  MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | _kept_flags(target))
        for path in masked:
            inner = [n for n in numpy if _under(n, [path])]
            flags = MS_NOSUID | MS_NODEV | MS_NOEXEC
            mount("tmpfs", root + path, "tmpfs", flags, "size=4k,nr_inodes=64,mode=0755")
            for folder in inner:
                os.makedirs(root + folder, exist_ok=True)
                mount(f"/proc/self/fd/{sources[folder]}", root + folder, None, MS_BIND)
                mount(None, root + folder, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID
                      | MS_NODEV | _kept_flags(root + folder))
            mount(None, root + path, None, MS_REMOUNT | MS_RDONLY | flags)
        for link, dest in symlinks.items():
            if not os.path.lexists(root + link):
                os.symlink(dest, root + link)
        for point in (*MOUNT_POINTS, scratch_point_for(visible)):
            os.makedirs(root + point, exist_ok=True)
        for name, fd in devices.items():
            target = f"{root}/dev/{name}"
            os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o666))
            mount(f"/proc/self/fd/{fd}", target, None, MS_BIND)
        # A proc that is fully visible lets a user namespace mount the job's own /proc.
        mount("/proc", root + "/proc", None, MS_BIND | MS_REC)
        os.chdir(root)
        _pivot_root(".", ".")
        _check(_c().umount2(b".", MNT_DETACH), "umount old root")
        os.chdir("/")
        mount(None, "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    finally:
        os.umask(old_umask)
        for fd in [*sources.values(), *devices.values()]:
            os.close(fd)
    return [*visible, *numpy], masked


def _probe_pid_namespace() -> bool:
    """Can a job get its own pid namespace and /proc here?  (One throw-away child.)"""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            unshare(CLONE_NEWPID | CLONE_NEWNS)
            child = os.fork()
            if child == 0:
                ok = 1
                try:
                    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
                    ok = 0
                finally:
                    os._exit(ok)
            _, status = os.waitpid(child, 0)
            code = 0 if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def setup_slot(slot: int, options: IsolationOptions) -> SlotState:
    """Isolate this fork server's slot (once, before any job); never raises."""
    notes: list[str] = []
    if not options.enabled:
        return SlotState(options, Protections(notes=("isolation is turned off",)))
    if not IS_LINUX:
        return SlotState(options, Protections(notes=(f"no namespaces on {sys.platform}",)))
    root = os.geteuid() == 0
    userns = False
    namespaces = False
    try:
        if not root:
            _enter_user_namespace()
            userns = True
        unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC)
        namespaces = True
    except OSError as exc:
        notes.append(f"namespaces refused: {exc}")
    view: list[str] = []
    masked: list[str] = []
    if namespaces and not options.view:
        notes.append(f"the filesystem view is turned off ({ISOLATION_VAR}=no-view)")
    elif namespaces:
        try:
            view, masked = _build_view()
        except OSError as exc:
            notes.append(f"filesystem view refused: {exc}")
    pid_ns = bool(view) and _probe_pid_namespace()
    if view and not pid_ns:
        notes.append("pid namespaces refused: the job shares the grader's /proc")
        with contextlib.suppress(OSError):  # at least no /proc of the grader's in the view
            mount("tmpfs", "/proc", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                  "size=4k,nr_inodes=1,mode=0")
    uid = gid = None
    identity: Identity = "shared"
    if root:
        uid = gid = options.base_uid + slot
        identity = "separate-uid"
    elif userns:
        identity = "user-namespace"
    protections = Protections(
        identity=identity,
        pid_namespace=pid_ns,
        filesystem_view=bool(view),
        network=namespaces,
        ipc=namespaces,
        private_scratch=bool(view) or root,
        no_new_privs=True,
        uid=uid,
        visible=tuple(view),
        masked=tuple(masked),
        notes=tuple(notes),
    )
    return SlotState(options, protections, uid, gid, userns, scratch_point_for(view))


# -- once per job ----------------------------------------------------------------------------


def enter_job(state: SlotState, scratch: str | None) -> list[str]:
    """In the worker, before student code: its own mount namespace, /proc, scratch,
    identity; returns warnings.

    ``scratch``: without a filesystem view, the job's private folder (made by the
    grader); with one, the worker mounts its own tmpfs at ``state.scratch_point``.
    Raises OSError when a protection the slot promised cannot be put in place.
    """
    prot = state.protections
    if prot.network:  # the slot's namespaces are in place: a mount namespace of the job's
        unshare(CLONE_NEWNS)
    if prot.pid_namespace:  # the slot's pid namespace (sandbox.reaper), as the job sees it
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    if prot.filesystem_view:
        owner = f",uid={state.uid},gid={state.gid}" if state.uid is not None else ""
        size = max(1, state.options.scratch_mb)
        scratch = state.scratch_point
        mount("tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV,
              f"size={size}m,nr_inodes={SCRATCH_INODES},mode=0700{owner}")
    if scratch is not None:
        os.chdir(scratch)
        for name in ("TMPDIR", "HOME", "TMP", "TEMP"):
            os.environ[name] = scratch
        tempfile: Any = sys.modules.get("tempfile")
        if tempfile is not None:  # the grader may have asked before the fork: ask again
            tempfile.tempdir = None
    if state.uid is not None and state.gid is not None:
        os.setgroups([])
        os.setresgid(state.gid, state.gid, state.gid)
        os.setresuid(state.uid, state.uid, state.uid)
    elif state.userns:
        drop_capabilities()
    if prot.no_new_privs and not set_no_new_privs():
        raise OSError(errno.EPERM, "no_new_privs could not be set")
    return []


def kill_identity(uid: int) -> None:
    """SIGKILL every process of ``uid`` (root only): a helper becomes ``uid`` and
    kills everything it may signal, that is every other process of that uid."""
    import signal

    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            for _ in range(100):
                try:
                    os.kill(-1, signal.SIGKILL)
                except ProcessLookupError:
                    break
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


ENV_KEPT = ("PATH", "LANG", "LANGUAGE", "TZ", "PYTHONIOENCODING", "PYTHONUTF8",
            "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def clean_environment(environ: dict[str, str] | None = None) -> None:
    """Keep only what a job needs (locale, PATH, BLAS threads): no tokens, no CI files."""
    env: Any = os.environ if environ is None else environ
    for name in list(env):
        if name not in ENV_KEPT and not name.startswith("LC_"):
            del env[name]


def scrub_process_blocks() -> None:
    """Zero this process's original argv and environment blocks (what
    /proc/<pid>/cmdline and /proc/<pid>/environ show): a forked job must not find the
    grader's command line (other submissions' names) or environment (tokens) there."""
    if not IS_LINUX:
        return
    try:
        with open("/proc/self/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        arg_start, arg_end, env_start, env_end = (int(fields[n - 3]) for n in (48, 49, 50, 51))
    except (OSError, ValueError, IndexError):
        return
    for start, end in ((arg_start, arg_end), (env_start, env_end)):
        if 0 < start < end and end - start < 1 << 24:
            ctypes.memset(start, 0, end - start)
