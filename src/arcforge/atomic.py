"""Writing files so that a reader sees the old content or the new, never half of either.

Every file arcforge writes whole (run descriptions, final results, summaries, exports,
store backups) goes through :func:`atomic_file`: the data is written to a temporary file
in the same folder, fsynced, then renamed into place (or hard-linked, when an existing
file must never be replaced).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def atomic_file(path: Path, *, replace: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` to write; on success fsync it and move it
    into place. ``replace=False`` raises :class:`FileExistsError` rather than replace a
    file that exists (also one that appeared meanwhile). On failure nothing is left."""
    path = Path(path)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes_atomic(path: Path, data: bytes, *, replace: bool = True) -> None:
    with atomic_file(path, replace=replace) as tmp:
        tmp.write_bytes(data)


def write_json_atomic(path: Path, data: Any, indent: int | None = 1) -> None:
    """Write JSON atomically; ``indent=None`` writes one line, several times faster for
    large files (``dumps``, not ``dump``: ``json.dump`` always takes the pure-Python
    encoder)."""
    write_bytes_atomic(path, json.dumps(data, ensure_ascii=False, indent=indent).encode())
