"""The server's signing key: given in settings, or created once and kept in a 0600 file."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from arcforge.errors import ArcforgeError
from arcforge.store.paths import default_store_path, resolve_store_url, sqlite_file

KEY_BYTES = 32


def default_secret_file(store_url: str | None) -> Path:
    """``<store file>.secret`` for a SQLite store, else ``studio.secret`` in the data folder."""
    db = sqlite_file(resolve_store_url(store_url))
    if db is not None:
        return db.with_name(db.name + ".secret")
    return default_store_path().with_name("studio.secret")


def load_or_create_secret(path: Path) -> str:
    """Read the key in ``path``, creating it (mode 0600, never overwritten) when absent."""
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(KEY_BYTES)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return _read(path)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key + "\n")
    return key


def _read(path: Path) -> str:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ArcforgeError(
            f"{path}: the studio secret key is readable by other users "
            f"(mode {stat.filemode(mode)}); run: chmod 600 {path}"
        )
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise ArcforgeError(f"{path}: the studio secret key is too short (at least 32 characters)")
    return key
