"""Loading a seccomp filter compiled on the host (BPF bytes) into the calling process.

Standard library only: the worker never imports libseccomp's bindings. Loading needs
no_new_privs (set by the worker first) and costs the kernel about 0.15 ms.
"""

from __future__ import annotations

import ctypes
import os

_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2


class _Fprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


class SeccompProgram:
    """A compiled filter, kept in memory so that each child loads it in microseconds."""

    def __init__(self, bpf: bytes) -> None:
        if not bpf or len(bpf) % 8:
            raise ValueError(f"a seccomp program is a multiple of 8 bytes, not {len(bpf)}")
        self._buffer = ctypes.create_string_buffer(bpf, len(bpf))
        self._prog = _Fprog(len(bpf) // 8, ctypes.addressof(self._buffer))
        self._libc = ctypes.CDLL(None, use_errno=True)

    @classmethod
    def from_hex(cls, text: str | None) -> SeccompProgram | None:
        return cls(bytes.fromhex(text)) if text else None

    def load(self) -> None:
        """Install the filter on the calling process for good."""
        if self._libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER,
                            ctypes.byref(self._prog), 0, 0) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"seccomp filter: {os.strerror(err)}")
