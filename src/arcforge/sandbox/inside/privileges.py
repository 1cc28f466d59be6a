"""What the worker gives up before any program runs: capabilities, dumpability, privileges.

Also the one thing it needs a capability for first: its own scratch file system, a
tmpfs with a size and an inode cap, mounted in a mount namespace private to the worker
(inside bubblewrap, as root, or through a new user namespace for another user). Standard
library only; every call goes through libc with ctypes.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal

_libc = ctypes.CDLL(None, use_errno=True)

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_CAPBSET_READ = 23
PR_CAPBSET_DROP = 24
PR_SET_SECUREBITS = 28
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
# NOROOT, NO_SETUID_FIXUP and NO_CAP_AMBIENT_RAISE, each locked; KEEP_CAPS locked off
SECUREBITS = 0b1110_1111
CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x2, 0x4, 0x8
MS_REC, MS_PRIVATE = 0x4000, 0x40000
_CAP_VERSION_3 = 0x20080522


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def die_with_parent() -> None:
    """SIGKILL this process when its parent exits."""
    _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(PDEATHSIG)")


def no_new_privileges() -> None:
    """exec can never gain privileges again (needed for Landlock and seccomp)."""
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")


def not_dumpable() -> None:
    """No core dumps, and /proc/<pid>/mem, maps and environ closed to other processes."""
    _check(_libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), "prctl(DUMPABLE)")


def last_capability() -> int:
    try:
        with open("/proc/sys/kernel/cap_last_cap") as f:
            return int(f.read())
    except (OSError, ValueError):
        return 63


def drop_capabilities(last_cap: int) -> None:
    """Give up every capability for good: bounding set, ambient, effective, permitted.

    The bounding set and the secure bits need CAP_SETPCAP: a process without it has
    nothing left to drop there. The secure bits stop uid 0 from regaining anything.
    """
    for cap in range(last_cap + 1):
        if _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() != 22:
            break  # EPERM: no CAP_SETPCAP, so nothing in the bounding set can be used
    _libc.prctl(PR_SET_SECUREBITS, SECUREBITS, 0, 0, 0)
    _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = _CapHeader(_CAP_VERSION_3, 0)
    data = (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(header), data), "capset")


def capabilities(last_cap: int) -> dict[str, int]:
    """How many capabilities this process has: effective, permitted, bounding set."""
    header = _CapHeader(_CAP_VERSION_3, 0)
    data = (_CapData * 2)()
    _check(_libc.capget(ctypes.byref(header), data), "capget")
    effective = data[0].effective | data[1].effective << 32
    permitted = data[0].permitted | data[1].permitted << 32
    bounding = sum(_libc.prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1
                   for cap in range(last_cap + 1))
    return {"effective": bin(effective).count("1"), "permitted": bin(permitted).count("1"),
            "bounding": bounding}


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _own_mount_namespace() -> None:
    """A mount namespace of our own: directly with CAP_SYS_ADMIN, else in a user namespace."""
    if _libc.unshare(CLONE_NEWNS) == 0:
        return
    uid, gid = os.geteuid(), os.getegid()
    _check(_libc.unshare(CLONE_NEWUSER | CLONE_NEWNS), "unshare(user, mount)")
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{uid} {uid} 1")
    _write("/proc/self/gid_map", f"{gid} {gid} 1")


def mount_scratch(root: str, size_bytes: int, inodes: int) -> None:
    """Mount a private tmpfs on ``root`` capped at ``size_bytes`` and ``inodes``.

    Nothing written there reaches the host's disk, and it all goes with the worker's
    mount namespace when the worker exits. Raises OSError when it cannot be done.
    """
    _own_mount_namespace()
    _check(_libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "mount(private)")
    options = f"size={size_bytes},nr_inodes={inodes},mode=0700".encode()
    _check(_libc.mount(b"tmpfs", root.encode(), b"tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                       options), f"mount(tmpfs on {root})")


def prefer_oom_kill() -> None:
    """Make the sandbox's processes the first the kernel ends when memory runs out."""
    with contextlib.suppress(OSError):
        _write("/proc/self/oom_score_adj", "1000")
