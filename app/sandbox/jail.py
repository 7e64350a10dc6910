"""The operating-system layers around a worker process, put on by the worker itself.

In order: an unprivileged user (nobody, when the server runs as root), new user, mount,
network, IPC and UTS namespaces, an empty read-only root in place of the real one, resource
limits, no capabilities, and a seccomp filter allowing only the system calls a traced run
makes. Everything the interpreter needs is imported before (`worker.py`), so nothing has to
be read afterwards. Linux only; `available()` says whether this machine can do it.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import resource
import signal
import threading
from dataclasses import dataclass

import pyseccomp as seccomp  # type: ignore[import-untyped]

__all__ = ["JailLimits", "JailError", "enter", "SECCOMP_ALLOWED"]

_CLONE_NEWNS = 0x00020000
_CLONE_NEWUTS = 0x04000000
_CLONE_NEWIPC = 0x08000000
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
_CLONE_THREAD = 0x00010000

_MS_RDONLY = 1
_MS_NOSUID = 2
_MS_NODEV = 4
_MS_NOEXEC = 8
_MS_REMOUNT = 32
_MS_REC = 16384
_MS_PRIVATE = 1 << 18
_MNT_DETACH = 2

_PR_SET_PDEATHSIG = 1
_PR_SET_DUMPABLE = 4
_PR_SET_NO_NEW_PRIVS = 38
_CAP_VERSION_3 = 0x20080522

# System call numbers glibc has no wrapper for.
_SYSCALLS = {
    "x86_64": {"pivot_root": 155, "capset": 126},
    "aarch64": {"pivot_root": 41, "capset": 91},
}

NOBODY = 65534

# What a traced run calls once the interpreter is up, found by tracing every scenario (plain,
# controlled and explored): memory, threads and their futexes, signal masks, the clock and
# random numbers, reading the job and writing the result, and ending. `clone` is allowed for
# threads only, and `kill`/`tgkill` only towards the worker itself (see `_seccomp`).
SECCOMP_ALLOWED = (
    "read", "write", "close", "lseek", "fstat", "newfstatat", "fcntl", "dup",
    "brk", "mmap", "munmap", "mprotect", "mremap", "madvise",
    "futex", "set_robust_list", "get_robust_list", "rseq", "gettid", "getpid",
    "rt_sigprocmask", "rt_sigaction", "rt_sigreturn", "sigaltstack", "restart_syscall",
    "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday",
    "getrandom", "sched_yield", "sched_getaffinity", "getrusage", "times",
    "getuid", "geteuid", "getgid", "getegid", "getppid", "uname", "getcwd",
    "exit", "exit_group",
)  # fmt: skip


class JailError(RuntimeError):
    """A layer could not be put on: the worker must not run the program."""


@dataclass(frozen=True)
class JailLimits:
    memory: int  # bytes of address space
    cpu_seconds: int
    threads: int  # tasks (threads) of the worker's user in its namespace
    files: int  # open file descriptors
    stack: int  # bytes of each thread's stack


_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise JailError(f"{what}: {os.strerror(code)} (errno {errno.errorcode.get(code, code)})")


def _syscall(name: str) -> int:
    numbers = _SYSCALLS.get(platform.machine())
    if numbers is None:
        raise JailError(f"no sandbox on {platform.machine()} (x86_64 and aarch64 only)")
    return numbers[name]


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _become_nobody() -> None:
    """As root, become nobody first: the namespaces are then owned by a user that owns
    nothing outside, and resource limits on processes apply (root is exempt from them)."""
    if os.geteuid() != 0:
        return
    os.setgroups([])
    os.setresgid(NOBODY, NOBODY, NOBODY)
    os.setresuid(NOBODY, NOBODY, NOBODY)
    # Changing user made the process undumpable, which would leave /proc/self/uid_map owned
    # by root; this process must write its own map.
    _check(_libc.prctl(_PR_SET_DUMPABLE, 1, 0, 0, 0), "prctl(PR_SET_DUMPABLE)")


def _namespaces() -> None:
    uid, gid = os.getuid(), os.getgid()
    flags = _CLONE_NEWUSER | _CLONE_NEWNS | _CLONE_NEWNET | _CLONE_NEWIPC | _CLONE_NEWUTS
    _check(_libc.unshare(flags), "unshare")
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"0 {uid} 1")
    _write("/proc/self/gid_map", f"0 {gid} 1")


def _mount(source: bytes | None, target: bytes, fstype: bytes | None, flags: int) -> None:
    _check(_libc.mount(source, target, fstype, flags, None), f"mount {target.decode()}")


def _empty_root() -> None:
    """Replace the root with an empty tmpfs, read-only, the old root detached."""
    _mount(None, b"/", None, _MS_REC | _MS_PRIVATE)
    base = next((p for p in ("/tmp", "/mnt", "/dev") if os.path.isdir(p)), None)
    if base is None:
        raise JailError("no directory to mount the new root on")
    flags = _MS_NOSUID | _MS_NODEV | _MS_NOEXEC
    _check(
        _libc.mount(b"tmpfs", base.encode(), b"tmpfs", flags, b"size=16k,nr_inodes=8,mode=555"),
        "mount tmpfs",
    )
    os.chdir(base)
    os.mkdir("old", 0o700)
    _check(_libc.syscall(_syscall("pivot_root"), b".", b"old"), "pivot_root")
    os.chdir("/")
    _check(_libc.umount2(b"/old", _MNT_DETACH), "umount old root")
    os.rmdir("/old")
    _mount(None, b"/", None, _MS_REMOUNT | _MS_RDONLY | flags)


def _rlimits(limits: JailLimits) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory, limits.memory))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_NPROC, (limits.threads, limits.threads))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits.files, limits.files))
    for name in ("RLIMIT_FSIZE", "RLIMIT_CORE", "RLIMIT_MEMLOCK", "RLIMIT_MSGQUEUE"):
        resource.setrlimit(getattr(resource, name), (0, 0))
    threading.stack_size(limits.stack)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def _drop_capabilities() -> None:
    """Give up the capabilities the new user namespace granted (root inside it)."""
    header = _CapHeader(_CAP_VERSION_3, 0)
    data = (_CapData * 2)()
    _check(_libc.syscall(_syscall("capset"), ctypes.byref(header), data), "capset")
    _check(_libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")


def _seccomp() -> None:
    pid = os.getpid()
    found = seccomp.SyscallFilter(defaction=seccomp.ERRNO(errno.EPERM))
    # A call through another ABI (i386's int 0x80) ends the whole process, not one thread.
    found.set_attr(seccomp.Attr.ACT_BADARCH, seccomp.KILL_PROCESS)
    for name in SECCOMP_ALLOWED:
        found.add_rule(seccomp.ALLOW, name)
    # Threads only: a clone without CLONE_THREAD (fork, a new process) is refused. clone3
    # takes its flags in memory a filter cannot read, so it says "not here" and the C
    # library falls back to clone.
    found.add_rule(
        seccomp.ALLOW, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, _CLONE_THREAD, _CLONE_THREAD)
    )
    found.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    # Signals to itself only (abort() raises one); never to the server or anyone else.
    found.add_rule(seccomp.ALLOW, "kill", seccomp.Arg(0, seccomp.EQ, pid))
    found.add_rule(seccomp.ALLOW, "tgkill", seccomp.Arg(0, seccomp.EQ, pid))
    # Files: there is nothing to open; say so as "permission denied".
    for name in ("open", "openat", "openat2"):
        found.add_rule(seccomp.ERRNO(errno.EACCES), name)
    found.load()


def enter(limits: JailLimits, keep_fds: tuple[int, ...]) -> None:
    """Put every layer on this (single-threaded) process, or raise JailError."""
    if threading.active_count() != 1:
        raise JailError("the jail needs a single-threaded process")
    try:
        # The worker dies with the server, whatever it is doing. (The kernel's "parent" is the
        # thread that started it: a run's own, or for a spare the thread of an earlier run;
        # the executor's threads live as long as the server.)
        _check(_libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(PDEATHSIG)")
        _become_nobody()
        _namespaces()
        _empty_root()
        _close_all_but(keep_fds)
        _rlimits(limits)
        _drop_capabilities()
        _seccomp()
    except (OSError, ValueError) as exc:  # ValueError: a limit this user may not set
        raise JailError(f"{type(exc).__name__}: {exc}") from None


def _close_all_but(keep: tuple[int, ...]) -> None:
    low = 0
    for fd in [*sorted(set(keep)), resource.getrlimit(resource.RLIMIT_NOFILE)[0]]:
        # Never an empty range: CPython turns closerange(n, n) into close_range(n, ~0),
        # which closes everything from n up.
        if low < fd:
            os.closerange(low, fd)
        low = fd + 1
