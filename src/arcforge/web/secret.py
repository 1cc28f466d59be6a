"""The server's signing key: given in settings, kept in a 0600 file beside a SQLite store (or
where settings say), or else in the store itself, shared by every machine that uses it."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from arcforge.errors import ArcforgeError
from arcforge.store import Store
from arcforge.store.paths import sqlite_file

KEY_BYTES = 32


def signing_key(store: Store, secret_key: str | None, secret_file: Path | None) -> str:
    """The key given, else the one in ``secret_file`` or, for a SQLite store, in
    ``<store file>.secret`` (created when absent); else, on other databases, the store's own,
    so that every server process and machine using it signs alike."""
    if secret_key:
        return secret_key
    db = sqlite_file(store.url)
    path = secret_file or (None if db is None else db.with_name(db.name + ".secret"))
    return store.studio_secret() if path is None else load_or_create_secret(path)


def load_or_create_secret(path: Path) -> str:
    """Read the key in ``path``, creating it (mode 0600, never overwritten) when absent."""
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(KEY_BYTES)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key + "\n")
        os.link(draft, path)  # whole or not at all; never replaces a key
    except FileExistsError:  # another process (a worker) created it first: use theirs
        return _read(path)
    finally:
        draft.unlink(missing_ok=True)
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
