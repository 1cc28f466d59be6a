"""Inside a confined probe child: what is active, and what a program is refused.

Standard library only: this module runs inside the sandbox worker.
"""

from __future__ import annotations

import os
import resource
from typing import Any


def _attempt(action: Any) -> str:
    """Run ``action``; "blocked: <error>" when it raised, "allowed" when it worked."""
    try:
        action()
    except BaseException as exc:
        return f"blocked: {type(exc).__name__}: {exc}"[:200]
    return "allowed"


def probe(scratch_root: str) -> dict[str, Any]:
    """Inside a confined child: report the active limits and try what programs must not do."""
    import ctypes
    import socket
    import threading

    libc = ctypes.CDLL(None, use_errno=True)

    def fork() -> None:
        if os.fork() == 0:
            os._exit(0)

    def thread() -> None:
        t = threading.Thread(target=lambda: None)
        t.start()
        t.join()

    def connect() -> None:
        socket.create_connection(("127.0.0.1", 9), timeout=0.5).close()

    def write_outside() -> None:
        with open(os.path.join(scratch_root, "outside-probe"), "w") as f:
            f.write("x")

    def read_outside() -> None:
        with open("/etc/passwd", "rb") as f:
            f.read(1)

    def write_scratch() -> None:
        with open("probe.txt", "w") as f:
            f.write("x")

    def signal_worker() -> None:
        os.kill(os.getppid(), 0)

    limits = {name: resource.getrlimit(getattr(resource, f"RLIMIT_{name}"))[0]
              for name in ("CPU", "AS", "FSIZE", "NOFILE", "NPROC")}
    return {
        "uid": os.getuid(),
        "seccomp_mode": libc.prctl(21, 0, 0, 0, 0),  # PR_GET_SECCOMP: 2 = filter
        "no_new_privs": libc.prctl(39, 0, 0, 0, 0),  # PR_GET_NO_NEW_PRIVS
        "rlimits": limits,
        "fork": _attempt(fork),
        "thread": _attempt(thread),
        "socket": _attempt(connect),
        "write_outside_scratch": _attempt(write_outside),
        "write_scratch": _attempt(write_scratch),
        "read_etc_passwd": _attempt(read_outside),
        "signal_worker": _attempt(signal_worker),
    }
