"""Seccomp filters compiled once (by libseccomp, through pyseccomp) in the sandbox worker.

The denied syscalls are split in two layers: the worker loads the first once, for
itself (so every child inherits it at no cost), and each child loads the second, which
denies what the worker itself still needs: creating processes and threads. Loading a
filter costs the kernel about 0.15 ms whatever its size, so this halves what a child
pays; a child ends up with both layers, the same denials as one filter of both lists.

Standard library only besides pyseccomp: this module runs inside the sandbox worker.
"""

from __future__ import annotations

import ctypes
import errno
import os
import tempfile

# syscalls a program never needs: new processes and threads, exec, sockets, tracing,
# namespaces, kernel objects, shared memory. Each fails with EPERM, which Python reports
# as an error.
DENIED_SYSCALLS = (
    "fork", "vfork", "clone", "clone3", "execve", "execveat", "socket", "socketpair",
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_open", "pidfd_getfd",
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "bpf", "perf_event_open",
    "keyctl", "add_key", "request_key", "userfaultfd", "io_uring_setup", "personality",
    "kexec_load", "init_module", "finit_module", "delete_module", "reboot", "swapon",
    "mknod", "mknodat", "syslog", "acct", "setuid", "setgid", "setreuid", "setregid",
    "setresuid", "setresgid", "setgroups", "fanotify_init", "open_by_handle_at", "kcmp",
    # System V and POSIX message queues: no state shared with the next program or the host
    "shmget", "shmat", "shmctl", "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop",
    "semtimedop", "semctl", "mq_open", "mq_unlink",
)
# the part of DENIED_SYSCALLS the worker needs for itself (it forks the children): only
# each child denies these
CHILD_ONLY_SYSCALLS = ("fork", "vfork", "clone", "clone3")
WORKER_SYSCALLS = tuple(n for n in DENIED_SYSCALLS if n not in CHILD_ONLY_SYSCALLS)


class SeccompProgram:
    """A seccomp filter compiled once to BPF (by libseccomp), loaded by each child in ~10 us."""

    _PR_SET_SECCOMP = 22
    _SECCOMP_MODE_FILTER = 2

    class _Fprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    def __init__(self, bpf: bytes) -> None:
        self._buffer = ctypes.create_string_buffer(bpf, len(bpf))
        self._prog = self._Fprog(len(bpf) // 8, ctypes.addressof(self._buffer))
        self._libc = ctypes.CDLL(None, use_errno=True)

    def load(self) -> None:
        """Install the filter on the calling process (no_new_privs must be set)."""
        if self._libc.prctl(self._PR_SET_SECCOMP, self._SECCOMP_MODE_FILTER,
                            ctypes.byref(self._prog), 0, 0) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"seccomp filter: {os.strerror(err)}")


def build_seccomp_program(denied: tuple[str, ...] = DENIED_SYSCALLS) -> SeccompProgram | None:
    """Compile a filter denying ``denied`` (by default every syscall of
    :data:`DENIED_SYSCALLS`); None when libseccomp is missing."""
    try:
        import pyseccomp
    except (ImportError, RuntimeError):
        return None
    filt = pyseccomp.SyscallFilter(defaction=pyseccomp.ALLOW)
    for name in denied:
        try:
            filt.add_rule(pyseccomp.ERRNO(errno.EPERM), name)
        except (ValueError, OSError):
            continue  # a syscall this architecture lacks
    with tempfile.TemporaryFile() as f:
        filt.export_bpf(f)
        f.seek(0)
        return SeccompProgram(f.read())
