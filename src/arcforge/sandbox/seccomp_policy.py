"""The sandbox's seccomp filters, compiled on the host by libseccomp (through pyseccomp).

Two layers. The worker loads the first for itself once it has set up its mounts; every
process it forks inherits it (its zygote and each program's child). Each child loads the
second before it runs a program: it denies what the worker and zygote still need
(creating processes, changing file modes for cleanup, signalling children). Loading a
filter costs the kernel about 0.15 ms whatever its size. A syscall of another ABI (x32,
``int 0x80``) kills the process: libseccomp's default for a foreign architecture.

The compiled BPF travels to the worker as bytes; the worker never imports pyseccomp.
"""

from __future__ import annotations

import errno
import functools
import tempfile
from collections.abc import Callable
from typing import Any

# Syscalls no process of the sandbox needs once it is set up. Each fails with EPERM.
WORKER_DENIED = (
    # other programs, the kernel and the host: exec, sockets, tracing, namespaces, modules
    "execve", "execveat", "socket", "socketpair", "ptrace", "process_vm_readv",
    "process_vm_writev", "pidfd_open", "pidfd_getfd", "unshare", "setns", "bpf",
    "perf_event_open", "keyctl", "add_key", "request_key", "userfaultfd", "io_uring_setup",
    "personality", "kexec_load", "kexec_file_load", "init_module", "finit_module",
    "delete_module", "reboot", "syslog", "acct", "fanotify_init", "open_by_handle_at",
    "name_to_handle_at", "kcmp", "lookup_dcookie", "iopl", "ioperm", "vhangup",
    # file systems and mounts, old and new API
    "mount", "umount2", "pivot_root", "chroot", "fsopen", "fsconfig", "fsmount", "fspick",
    "move_mount", "open_tree", "mount_setattr", "open_tree_attr", "swapon", "swapoff",
    "quotactl", "quotactl_fd", "mknod", "mknodat",
    # identities, owners and file attributes
    "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups",
    "setfsuid", "setfsgid", "chown", "fchown", "lchown", "fchownat", "setxattr", "lsetxattr",
    "fsetxattr", "setxattrat", "removexattr", "lremovexattr", "fremovexattr", "removexattrat",
    "file_setattr", "utime", "utimes", "utimensat", "futimesat",
    # the machine: clock, host name, scheduling of other processes, memory locking
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "sethostname",
    "setdomainname", "setpriority", "sched_setscheduler", "sched_setparam",
    "sched_setaffinity", "sched_setattr", "ioprio_set", "migrate_pages", "move_pages",
    "mlock", "mlock2", "mlockall",
    # host-wide quotas and watches one program could use up or spy through
    "io_setup", "io_submit", "io_getevents", "io_pgetevents", "io_cancel", "io_destroy",
    "inotify_init", "inotify_init1", "inotify_add_watch", "memfd_create", "memfd_secret",
    # System V IPC and POSIX message queues: no state shared with the next program
    "shmget", "shmat", "shmctl", "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop",
    "semtimedop", "semctl", "mq_open", "mq_unlink",
)
# Denied in each program's child only: the worker and the zygote need them.
CHILD_DENIED = (
    "fork", "vfork", "clone", "clone3",  # no processes, no threads
    "chmod", "fchmod", "fchmodat", "fchmodat2",  # no locked folders, no setuid bits
    "truncate",  # by path: Landlock governs it only from ABI 3
    "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_send_signal",
    "flock",  # locks on shared files: a channel to programs running at the same time
)
# fcntl commands denied in each child: signals to another process (F_SETOWN, F_SETOWN_EX,
# F_SETSIG), directory notifications (F_NOTIFY), leases (F_SETLEASE), write-life hints
# that outlive the program (F_SET_RW_HINT, F_SET_FILE_RW_HINT) and record locks (F_GETLK,
# F_SETLK, F_SETLKW and their OFD forms)
FCNTL_DENIED = (8, 15, 10, 1026, 1024, 1036, 1038, 5, 6, 7, 36, 37, 38)
# ioctls that set the owner of a file's signals
IOCTL_SIGNAL_OWNER = (0x8901, 0x8902)  # FIOSETOWN, SIOCSPGRP
# Syscalls newer than some libseccomp releases: the same number on every architecture.
NEW_SYSCALLS = {"fchmodat2": 452, "mount_setattr": 442, "quotactl_fd": 443,
                "setxattrat": 463, "removexattrat": 466, "open_tree_attr": 467,
                "file_setattr": 469}
MASK32 = 0xFFFFFFFF  # the kernel reads fcntl and ioctl commands as 32 bits
# CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET, NEWTIME
CLONE_NAMESPACES = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000,
                    0x20000000, 0x40000000, 0x00000080)
# ioctls that change an inode on disk: flags (immutable, append-only), project attributes,
# generation numbers (FS_IOC_SETVERSION, EXT4_IOC_SETVERSION; 64- and 32-bit numbers)
INODE_IOCTLS = (0x40086602, 0x40046602, 0x401C5820, 0x40087602, 0x40047602, 0x40086604,
                0x40046604)


def _rule(filt: Any, action: int, name: str, *args: object) -> None:
    import pyseccomp

    number = pyseccomp.resolve_syscall(pyseccomp.system_arch(), name)
    if number < 0:
        number = NEW_SYSCALLS.get(name, -1)
    if number < 0:
        return  # a syscall this architecture lacks
    filt.add_rule(action, number, *args)


def _build(add_rules: Callable[[Any, Any], None]) -> bytes | None:
    """Compile the rules ``add_rules(pyseccomp, filter)`` adds; None without libseccomp."""
    try:
        import pyseccomp
    except (ImportError, RuntimeError, OSError):
        return None
    filt = pyseccomp.SyscallFilter(defaction=pyseccomp.ALLOW)
    add_rules(pyseccomp, filt)
    with tempfile.TemporaryFile() as f:
        filt.export_bpf(f)
        f.seek(0)
        return f.read()


def _worker_rules(sc: Any, filt: Any) -> None:
    eperm = sc.ERRNO(errno.EPERM)
    for name in WORKER_DENIED:
        _rule(filt, eperm, name)
    # limits of another process: only the caller's own (pid 0) may change
    _rule(filt, eperm, "prlimit64", sc.Arg(0, sc.NE, 0))
    # forking stays, new namespaces do not; clone3 hides its flags in memory: glibc
    # falls back to clone when it is missing
    for flag in CLONE_NAMESPACES:
        _rule(filt, eperm, "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    _rule(filt, sc.ERRNO(errno.ENOSYS), "clone3")
    for command in INODE_IOCTLS:
        _rule(filt, eperm, "ioctl", sc.Arg(1, sc.MASKED_EQ, MASK32, command))


def _child_rules(sc: Any, filt: Any) -> None:
    eperm = sc.ERRNO(errno.EPERM)
    for name in CHILD_DENIED:
        _rule(filt, eperm, name)
    # kill(0, sig) reaches only the child's own process group (it leads a session)
    _rule(filt, eperm, "kill", sc.Arg(0, sc.NE, 0))
    for command in FCNTL_DENIED:
        _rule(filt, eperm, "fcntl", sc.Arg(1, sc.MASKED_EQ, MASK32, command))
    for command in IOCTL_SIGNAL_OWNER:
        _rule(filt, eperm, "ioctl", sc.Arg(1, sc.MASKED_EQ, MASK32, command))


@functools.cache
def worker_filter() -> bytes | None:
    """The worker's layer as BPF; None when libseccomp is missing."""
    return _build(_worker_rules)


@functools.cache
def child_filter() -> bytes | None:
    """The layer each program's child adds, as BPF; None when libseccomp is missing."""
    return _build(_child_rules)
