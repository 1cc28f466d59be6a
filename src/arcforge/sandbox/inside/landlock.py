"""A small ctypes layer over Linux Landlock: filesystem, TCP and scoping rules.

Self-contained (standard library only): the sandbox worker imports it inside the
sandbox, where arcforge itself is not importable. Every function raises ``OSError`` when
the kernel refuses; :func:`abi_version` returns 0 when Landlock is unavailable.
"""

from __future__ import annotations

import ctypes
import os

_SYS_CREATE_RULESET = 444  # same numbers on x86_64 and aarch64 (generic table)
_SYS_ADD_RULE = 445
_SYS_RESTRICT_SELF = 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_RULE_NET_PORT = 2

# filesystem rights, by the ABI version that introduced them
FS_EXECUTE = 1 << 0
FS_WRITE_FILE = 1 << 1
FS_READ_FILE = 1 << 2
FS_READ_DIR = 1 << 3
FS_REMOVE_DIR = 1 << 4
FS_REMOVE_FILE = 1 << 5
FS_MAKE_CHAR = 1 << 6
FS_MAKE_DIR = 1 << 7
FS_MAKE_REG = 1 << 8
FS_MAKE_SOCK = 1 << 9
FS_MAKE_FIFO = 1 << 10
FS_MAKE_BLOCK = 1 << 11
FS_MAKE_SYM = 1 << 12
FS_REFER = 1 << 13  # ABI 2
FS_TRUNCATE = 1 << 14  # ABI 3
FS_IOCTL_DEV = 1 << 15  # ABI 5
NET_BIND_TCP = 1 << 0  # ABI 4
NET_CONNECT_TCP = 1 << 1  # ABI 4
SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6
SCOPE_SIGNAL = 1 << 1  # ABI 6

FS_READ = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR
FS_FILE_ONLY = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def _check(result: int, what: str) -> int:
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"landlock {what}: {os.strerror(err)}")
    return result


def abi_version() -> int:
    """The kernel's Landlock ABI version, 0 when Landlock is missing or disabled."""
    result = _libc.syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0),
                           ctypes.c_uint32(_CREATE_RULESET_VERSION))
    return max(int(result), 0)


def fs_rights(abi: int) -> int:
    """Every filesystem right the given ABI can handle."""
    rights = (1 << 13) - 1
    if abi >= 2:
        rights |= FS_REFER
    if abi >= 3:
        rights |= FS_TRUNCATE
    if abi >= 5:
        rights |= FS_IOCTL_DEV
    return rights


def restrict(
    abi: int,
    *,
    handled_fs: int = 0,
    rules: list[tuple[str, int]] | tuple[()] = (),
    deny_tcp: bool = False,
    scope: int = 0,
) -> None:
    """Restrict the calling process (and its future children) for good.

    ``handled_fs`` lists the filesystem rights this layer governs: each is denied
    everywhere except beneath the ``rules`` paths that allow it. ``deny_tcp`` denies TCP
    bind and connect (ABI 4+); ``scope`` blocks signals and abstract unix sockets towards
    processes outside this domain (ABI 6+). Rights the ABI lacks are dropped.
    """
    handled_fs &= fs_rights(abi)
    net = (NET_BIND_TCP | NET_CONNECT_TCP) if deny_tcp and abi >= 4 else 0
    scoped = scope if abi >= 6 else 0
    attr = _RulesetAttr(handled_fs, net, scoped)
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    fd = _check(_libc.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size),
                              ctypes.c_uint32(0)), "create_ruleset")
    try:
        for path, allowed in rules:
            _add_path_rule(fd, path, allowed & handled_fs)
        _check(_libc.syscall(_SYS_RESTRICT_SELF, fd, ctypes.c_uint32(0)), "restrict_self")
    finally:
        os.close(fd)


def _add_path_rule(ruleset_fd: int, path: str, allowed: int) -> None:
    try:
        target = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except FileNotFoundError:
        return  # a path missing on this system needs no rule
    try:
        if not os.path.isdir(path):
            allowed &= FS_FILE_ONLY
        if not allowed:
            return
        rule = _PathBeneathAttr(allowed, target)
        _check(_libc.syscall(_SYS_ADD_RULE, ruleset_fd, _RULE_PATH_BENEATH, ctypes.byref(rule),
                             ctypes.c_uint32(0)), f"add_rule({path})")
    finally:
        os.close(target)
