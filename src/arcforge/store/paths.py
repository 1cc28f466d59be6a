"""Where the store lives: ``--store``, else ``$ARCFORGE_STORE``, else a per-user SQLite file."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import URL, make_url

ENV_VAR = "ARCFORGE_STORE"


def default_store_path() -> Path:
    """``$XDG_DATA_HOME/arcforge/arcforge.db`` (``~/.local/share/arcforge/arcforge.db``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "arcforge" / "arcforge.db"


def resolve_store_url(url: str | None = None) -> URL:
    """The SQLAlchemy URL of the store.

    ``url`` (or ``$ARCFORGE_STORE``) may be any SQLAlchemy URL (``sqlite:///x.db``,
    ``postgresql+psycopg://...``) or a plain file path, read as a SQLite file.
    """
    raw = url or os.environ.get(ENV_VAR) or str(default_store_path())
    if "://" not in raw:
        return make_url("sqlite:///" + str(Path(raw).expanduser().absolute()))
    return make_url(raw)


def sqlite_file(url: URL) -> Path | None:
    """The database file of a SQLite URL (None for other backends and in-memory SQLite)."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def display_url(url: URL) -> str:
    """The URL with any password hidden, for messages."""
    return url.render_as_string(hide_password=True)
