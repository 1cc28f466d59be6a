"""A control group per sandbox worker: memory (kernel memory included) and processes capped.

Where this process may create control groups (cgroup v2 with the memory and pids
controllers delegated, or the v1 memory and pids hierarchies), each worker starts inside
its own group: everything the worker, its zygote and its children use, page cache, tmpfs
pages, inodes and page tables included, counts against one memory limit, and the number
of processes against one pid limit. Elsewhere workers run without one, and
``arcforge sandbox check`` says why.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
from dataclasses import dataclass

ROOT = "/sys/fs/cgroup"
PREFIX = "arcforge-sandbox"
PIDS_MAX = 32
_counter = itertools.count(1)


@dataclass(slots=True)
class WorkerGroup:
    """One worker's control group: the ``cgroup.procs`` files to join, folders to remove."""

    version: int
    folders: list[str]

    @property
    def procs_files(self) -> list[str]:
        return [os.path.join(f, "cgroup.procs") for f in self.folders]

    def remove(self) -> None:
        """Remove the (empty) group; a group still in use is left for the next sweep."""
        for folder in self.folders:
            with contextlib.suppress(OSError):
                os.rmdir(folder)


def _own_path(controller: str | None) -> str | None:
    """This process's group in a v1 hierarchy (``controller``) or in v2 (None)."""
    try:
        with open("/proc/self/cgroup") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    for line in lines:
        _, names, path = line.split(":", 2)
        if controller is None and names == "":
            return path
        if controller is not None and controller in names.split(","):
            return path
    return None


def _v2_parent() -> str | None:
    own = _own_path(None)
    if own is None or not os.path.exists(os.path.join(ROOT, "cgroup.controllers")):
        return None
    # the no-internal-process rule: our own group may hold children only at the root
    for folder in (os.path.join(ROOT, own.lstrip("/")),
                   os.path.dirname(os.path.join(ROOT, own.lstrip("/")))):
        try:
            with open(os.path.join(folder, "cgroup.subtree_control")) as f:
                enabled = f.read().split()
        except OSError:
            continue
        if {"memory", "pids"} <= set(enabled) and os.access(folder, os.W_OK):
            return folder
    return None


def _v1_parents() -> list[str] | None:
    parents = []
    for controller in ("memory", "pids"):
        own = _own_path(controller)
        folder = os.path.join(ROOT, controller, (own or "/").lstrip("/"))
        if own is None or not os.access(folder, os.W_OK):
            return None
        parents.append(folder)
    return parents


def sweep(parents: list[str]) -> None:
    """Remove groups left by sandbox hosts that are gone."""
    pattern = re.compile(rf"{PREFIX}-(\d+)-\d+$")
    for parent in parents:
        try:
            names = os.listdir(parent)
        except OSError:
            continue
        for name in names:
            match = pattern.match(name)
            if match and not os.path.exists(f"/proc/{match.group(1)}"):
                with contextlib.suppress(OSError):
                    os.rmdir(os.path.join(parent, name))


def _write(path: str, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)


def create(memory_bytes: int) -> tuple[WorkerGroup | None, str | None]:
    """A new group for one worker, or ``(None, why not)``."""
    name = f"{PREFIX}-{os.getpid()}-{next(_counter)}"
    parent = _v2_parent()
    if parent is not None:
        sweep([parent])
        folder = os.path.join(parent, name)
        try:
            os.mkdir(folder)
            _write(os.path.join(folder, "memory.max"), str(memory_bytes))
            swap = os.path.join(folder, "memory.swap.max")
            if os.path.exists(swap):
                _write(swap, "0")
            _write(os.path.join(folder, "pids.max"), str(PIDS_MAX))
        except OSError as exc:
            WorkerGroup(2, [folder]).remove()
            return None, f"cgroup v2: {exc}"
        return WorkerGroup(2, [folder]), None
    parents = _v1_parents()
    if parents is None:
        return None, ("no writable control group with the memory and pids controllers "
                      "(cgroup v2 delegation, or root with cgroup v1)")
    sweep(parents)
    group = WorkerGroup(1, [os.path.join(p, name) for p in parents])
    try:
        for folder in group.folders:
            os.mkdir(folder)
        _write(os.path.join(group.folders[0], "memory.limit_in_bytes"), str(memory_bytes))
        _write(os.path.join(group.folders[1], "pids.max"), str(PIDS_MAX))
    except OSError as exc:
        group.remove()
        return None, f"cgroup v1: {exc}"
    return group, None
