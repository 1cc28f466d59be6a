"""Keeping a store: counts for ``store stats`` and a consistent copy for ``store backup``."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import func, select

from arcforge.atomic import atomic_file
from arcforge.store.errors import StoreError
from arcforge.store.paths import sqlite_file
from arcforge.store.schema import (
    Attempt,
    Check,
    Description,
    Run,
    TaskRow,
    TaskVersion,
    Trace,
    User,
    Vote,
)
from arcforge.store.store import Store


def collect_stats(store: Store) -> dict[str, int]:
    """Row counts by kind: users, tasks, versions, traces, descriptions, checks, votes,
    attempts, runs."""
    count = func.count()
    queries = {
        "people": select(count).where(User.kind == "human"),
        "models": select(count).where(User.kind == "model"),
        "admins": select(count).where(User.role == "admin"),
        "tasks": select(count).select_from(TaskRow),
        "tasks without content": select(count).where(
            ~TaskRow.id.in_(select(TaskVersion.task_id).where(TaskVersion.version == 0))
        ),
        "variations": select(count).where(TaskVersion.version > 0, TaskVersion.removed.is_(False)),
        "removed variations": select(count).where(TaskVersion.removed.is_(True)),
        "traces by people": select(count).where(Trace.source == "human", Trace.removed.is_(False)),
        "traces by models": select(count).where(Trace.source == "model", Trace.removed.is_(False)),
        "removed traces": select(count).where(Trace.removed.is_(True)),
        "descriptions": select(count).select_from(Description),
        "checks by use": select(count).where(Check.outcome.is_not(None)),
        "votes": select(count).select_from(Vote),
        "attempts": select(count).select_from(Attempt),
        "correct attempts": select(count).where(Attempt.correct.is_(True)),
        "runs": select(count).select_from(Run),
    }
    with store.reading() as session:
        return {name: int(session.scalar(q) or 0) for name, q in queries.items()}


def backup_store(store: Store, dest: Path, force: bool = False) -> int:
    """Copy a SQLite store to ``dest`` while it may be in use; return the copy's size in bytes.

    Uses SQLite's online backup API (a consistent snapshot), checks the copy's integrity
    and turns it into a single self-contained file before moving it into place. An
    existing ``dest`` is refused unless ``force``.
    """
    source = sqlite_file(store.url)
    if source is None:
        raise StoreError(
            f"store backup copies SQLite files; for {store.describe()} use the database's own "
            "tools (pg_dump for PostgreSQL)"
        )
    dest = dest.expanduser().absolute()
    if dest.is_dir():
        raise StoreError(f"{dest}: is a folder, expected a file name")
    if dest.exists() and not force:
        raise StoreError(f"{dest}: already exists (use --force to replace it)")
    if dest == source.absolute():
        raise StoreError(f"{dest}: is the store itself")
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        with atomic_file(dest, replace=force) as tmp:
            raw = store.engine.raw_connection()
            try:
                target = sqlite3.connect(tmp)
                try:
                    raw.driver_connection.backup(target)  # type: ignore[union-attr]
                    target.execute("PRAGMA journal_mode=DELETE")
                    check = target.execute("PRAGMA integrity_check").fetchone()[0]
                finally:
                    target.close()
            finally:
                raw.close()
            if check != "ok":
                raise StoreError(f"backup of {source} failed its integrity check: {check}")
    except FileExistsError:
        raise StoreError(f"{dest}: already exists (use --force to replace it)") from None
    return dest.stat().st_size
