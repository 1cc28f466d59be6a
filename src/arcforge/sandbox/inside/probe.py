"""Inside a confined probe child: what is active, and what a program is refused.

The probe child is confined exactly like a program's child. It reports its limits and
capabilities, tries what programs must not do, tries to open every file that holds
answers (the bundled ARC data, wherever it could appear) and, when asked, walks every
folder it can list for package and data files outside the standard library and the
allowed packages. Standard library only.
"""

from __future__ import annotations

import ctypes
import os
import resource
import stat
import time
from typing import Any

from . import privileges

# files that could hold grids: JSON and the usual data formats, and SQLite databases
DATA_SUFFIXES = (".json", ".jsonl", ".parquet", ".csv", ".npy", ".npz", ".pkl", ".pickle",
                 ".arrow", ".feather")
SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
SQLITE_MAGIC = b"SQLite format 3\x00"
PACKAGE_MARKERS = (".dist-info", ".egg-info", ".pth")
NOT_FILES = ("/proc", "/sys", "/dev")
WALK_ENTRIES = 400_000
WALK_SECONDS = 20.0  # wall clock; the walk also stops at 70% of the child's CPU limit
MAX_LISTED = 50


def _attempt(action: Any) -> str:
    """Run ``action``; "blocked: <error>" when it raised, "allowed" when it worked."""
    try:
        action()
    except BaseException as exc:
        return f"blocked: {type(exc).__name__}: {exc}"[:200]
    return "allowed"


def _readable_files(paths: list[str]) -> list[str]:
    found = []
    for path in paths:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            continue
        os.close(fd)
        found.append(path)
    return found


def _is_sqlite(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(16) == SQLITE_MAGIC
    except OSError:
        return False


def _holds_data(path: str, flagged: bool) -> bool:
    """A readable file that could hold grids (or marks a package)."""
    if path.endswith(SQLITE_SUFFIXES):
        return _is_sqlite(path)
    return (flagged or path.endswith(DATA_SUFFIXES)) and bool(_readable_files([path]))


def _exposed_folders(paths: list[str]) -> list[str]:
    """Folders that must look empty or be closed, but list something."""
    exposed = []
    for path in paths:
        try:
            if os.listdir(path):
                exposed.append(path)
        except OSError:
            continue
    return exposed


def _under(path: str, roots: tuple[str, ...]) -> bool:
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)


def walk_readable(places: list[str], allowed: list[str]) -> dict[str, Any]:
    """Package and data files a program can read outside ``allowed``, by walking ``places``."""
    allowed_roots = tuple(allowed)
    found: list[str] = []
    seen = 0
    deadline = time.monotonic() + WALK_SECONDS
    cpu_limit = resource.getrlimit(resource.RLIMIT_CPU)[0]
    cpu_deadline = 0.7 * cpu_limit if cpu_limit > 0 else float("inf")
    stack = [p for p in places if not _under(p, NOT_FILES)]
    visited: set[tuple[int, int]] = set()
    complete = True
    while stack:
        if seen >= WALK_ENTRIES or time.monotonic() > deadline \
                or time.process_time() > cpu_deadline:
            complete = False
            break
        folder = stack.pop()
        try:
            info = os.stat(folder)
            if (info.st_dev, info.st_ino) in visited:
                continue
            visited.add((info.st_dev, info.st_ino))
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            path = entry.path
            if _under(path, allowed_roots) or _under(path, NOT_FILES):
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            name = entry.name
            flagged = name.endswith(PACKAGE_MARKERS) or name in ("site-packages",
                                                                  "dist-packages")
            if is_dir:
                if flagged:
                    found.append(path + "/")
                stack.append(path)
            elif _holds_data(path, flagged):
                found.append(path)
    return {"found": sorted(found)[:MAX_LISTED], "count": len(found), "entries": seen,
            "complete": complete}


def probe(request: dict[str, Any]) -> dict[str, Any]:
    """Report the active limits and try what programs must not do."""
    import socket
    import threading

    libc = ctypes.CDLL(None, use_errno=True)
    scratch_root = str(request.get("scratch_root") or "/tmp")
    last_cap = int(request.get("last_cap") or 40)

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
        os.unlink("probe.txt")

    def signal_worker() -> None:
        os.kill(os.getppid(), 0)

    def limit_parent() -> None:
        resource.prlimit(os.getppid(), resource.RLIMIT_NOFILE)
        resource.prlimit(os.getppid(), resource.RLIMIT_NOFILE, (1024, 1024))

    def change_mode() -> None:
        os.chmod(".", stat.S_IRWXU)

    def renice() -> None:
        os.setpriority(os.PRIO_PROCESS, 0, 1)

    def new_mount() -> None:
        if libc.syscall(430, b"tmpfs", 0) < 0:  # fsopen
            raise OSError(ctypes.get_errno(), "fsopen")

    limits = {name: resource.getrlimit(getattr(resource, f"RLIMIT_{name}"))[0]
              for name in ("CPU", "AS", "FSIZE", "NOFILE", "NPROC")}
    report: dict[str, Any] = {
        "uid": os.getuid(),
        "seccomp_mode": libc.prctl(21, 0, 0, 0, 0),  # PR_GET_SECCOMP: 2 = filter
        "no_new_privs": libc.prctl(39, 0, 0, 0, 0),  # PR_GET_NO_NEW_PRIVS
        "dumpable": libc.prctl(3, 0, 0, 0, 0),  # PR_GET_DUMPABLE
        "capabilities": privileges.capabilities(last_cap),
        "rlimits": limits,
        "fork": _attempt(fork),
        "thread": _attempt(thread),
        "socket": _attempt(connect),
        "write_outside_scratch": _attempt(write_outside),
        "write_scratch": _attempt(write_scratch),
        "read_etc_passwd": _attempt(read_outside),
        "signal_worker": _attempt(signal_worker),
        "limit_worker": _attempt(limit_parent),
        "chmod": _attempt(change_mode),
        "renice": _attempt(renice),
        "mount": _attempt(new_mount),
        "answers_readable": _readable_files([str(p) for p in request.get("answer_paths", [])]),
        "hidden_exposed": _exposed_folders([str(p) for p in request.get("hidden", [])]),
    }
    if request.get("walk"):
        report["walk"] = walk_readable([str(p) for p in request.get("places", [])],
                                       [str(p) for p in request.get("allowed", [])])
    return report
