"""Removing what a program left behind: iterative, by file descriptor, bounded, never raising.

A program may leave folders it locked (mode 0, or write-only), trees deeper than
``PATH_MAX`` and thousands of files. :func:`remove_tree` walks down and up with one open
descriptor at a time (``openat``, ``..``), gives every folder back to its owner before
entering it, never follows a symbolic link, and stops after ``max_steps`` operations.
Standard library only: the host and the sandbox worker both use it.
"""

from __future__ import annotations

import contextlib
import os
import stat

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _enter(parent_fd: int, name: str) -> int:
    """Open the folder ``name`` under ``parent_fd`` after making it ours to list and empty."""
    os.chmod(name, 0o700, dir_fd=parent_fd)  # a folder (checked by the caller): no link
    return os.open(name, _DIR_FLAGS, dir_fd=parent_fd)


def remove_tree(path: str, max_steps: int = 200_000) -> tuple[int, str | None]:
    """Delete ``path`` and everything beneath it; ``(bytes freed, problem)``.

    ``problem`` is None when ``path`` is gone (or never existed), else why not: the
    caller decides what to do with what is left. Never raises.
    """
    try:
        os.rmdir(path)  # the usual case: an empty folder
        return 0, None
    except FileNotFoundError:
        return 0, None
    except OSError:
        pass
    parent, base = os.path.split(os.path.abspath(path))
    top = cur = -1
    freed = steps = 0
    try:
        top = os.open(parent, _DIR_FLAGS)
        info = os.stat(base, dir_fd=top, follow_symlinks=False)
        if not stat.S_ISDIR(info.st_mode):
            os.unlink(base, dir_fd=top)
            return info.st_blocks * 512, None
        cur = _enter(top, base)
        names: list[str] = []  # the folders entered below ``path``, outermost first
        pending: list[list[str]] = [os.listdir(cur)]
        while True:
            steps += 1
            if steps > max_steps:
                return freed, f"more than {max_steps} entries"
            if pending[-1]:
                name = pending[-1].pop()
                info = os.stat(name, dir_fd=cur, follow_symlinks=False)
                if stat.S_ISDIR(info.st_mode):
                    child = _enter(cur, name)
                    os.close(cur)
                    cur = child
                    names.append(name)
                    pending.append(os.listdir(cur))
                else:
                    freed += info.st_blocks * 512
                    os.unlink(name, dir_fd=cur)
                continue
            pending.pop()
            if not names:
                break
            up = os.open("..", _DIR_FLAGS, dir_fd=cur)
            os.close(cur)
            cur = up
            os.rmdir(names.pop(), dir_fd=cur)
        os.close(cur)
        cur = -1
        os.rmdir(base, dir_fd=top)
        return freed, None
    except (OSError, ValueError, RecursionError, MemoryError) as exc:
        return freed, f"{type(exc).__name__}: {exc}"[:200]
    finally:
        for fd in (cur, top):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
