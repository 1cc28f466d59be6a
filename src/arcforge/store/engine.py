"""Opening a store: the engine, SQLite settings, sessions and schema migrations.

SQLite runs in WAL mode (readers never wait for the writer) with foreign keys on and a
busy timeout; every write transaction starts with ``BEGIN IMMEDIATE`` so that concurrent
writers queue for the lock instead of failing halfway. PostgreSQL uses the same code.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from arcforge.store.errors import StoreError, StoreUnavailable
from arcforge.store.paths import display_url, sqlite_file

MIGRATIONS = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_S = 30.0
T = TypeVar("T")


def now() -> float:
    """Seconds since the epoch (UTC)."""
    return time.time()


def _create_private(path: Path) -> None:
    """Create a new store file readable by its owner only (0600); SQLite gives its ``-wal``
    and ``-shm`` files the same mode. An existing file is left as it is."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        raise StoreError(f"store {path}: cannot create it: {exc.strerror}") from None


def _sqlite_engine(url: URL) -> Engine:
    path = sqlite_file(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"store {path}: cannot create its folder: {exc.strerror}") from None
        _create_private(path)
    connect_args = {"timeout": BUSY_TIMEOUT_S, "check_same_thread": False}
    engine = create_engine(url, connect_args=connect_args)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _on_begin)
        cur = dbapi_conn.cursor()
        if path is not None:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def make_engine(url: URL) -> Engine:
    """An engine for the URL with the store's settings."""
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    # No ping before each use (a round trip per checkout, several per request): when the
    # server restarts, the first statement on a dead connection fails, SQLAlchemy drops the
    # whole pool, and the request that met it answers 503.
    return create_engine(url, pool_recycle=3600)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    """The newest schema revision this version of arcforge knows."""
    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    assert head is not None
    return head


class StoreBase:
    """Engine, sessions and transaction helpers shared by the repository mixins.

    Thread-safe: every call opens its own session. Repository methods return plain
    frozen dataclasses (``arcforge.store.views``), never live ORM objects.
    """

    def __init__(self, url: URL, engine: Engine) -> None:
        self.url = url
        self.engine = engine
        self._read = sessionmaker(engine, expire_on_commit=False)
        writer = engine.execution_options(sqlite_begin="IMMEDIATE")
        self._write = sessionmaker(writer, expire_on_commit=False)
        self._lock = threading.Lock()

    def describe(self) -> str:
        return display_url(self.url)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads (one consistent snapshot)."""
        with self._read() as session, session.begin():
            yield session

    @contextmanager
    def reading_core(self) -> Iterator[Connection]:
        """A plain connection for hot read paths (no ORM session): one read transaction."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A session in one write transaction: committed at the end, rolled back on error."""
        with self._write() as session, session.begin():
            yield session

    def transact(self, fn: Callable[[Session], T], retries: int = 8) -> T:
        """Run ``fn`` in a write transaction, retrying when a concurrent writer wins a race.

        A race shows as a unique-constraint violation (two people creating the same row)
        or, on PostgreSQL, a serialization failure; ``fn`` must be safe to run again.
        """
        for attempt in range(retries + 1):
            try:
                with self.writing() as session:
                    return fn(session)
            except (IntegrityError, OperationalError) as exc:
                if attempt < retries and _retryable(exc):
                    time.sleep(random.uniform(0.002, 0.01) * (attempt + 1))  # spread retries
                    continue
                if isinstance(exc, OperationalError):
                    raise StoreUnavailable(f"store {self.describe()}: {exc.orig}") from exc
                raise
        raise AssertionError("unreachable")

    def revision(self) -> str | None:
        """The schema revision the database is at (None for an empty database)."""
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def upgrade(self, revision: str = "head") -> tuple[str | None, str | None]:
        """Apply migrations up to ``revision``; return (before, after)."""
        before = self.revision()
        known = {s.revision for s in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}
        if before is not None and before not in known:
            raise StoreError(
                f"store {self.describe()} is at schema revision {before}, which this version "
                "of arcforge does not know (it was written by a newer arcforge)"
            )
        with self._lock:
            command.upgrade(alembic_config(self.engine), revision)
        return before, self.revision()

    def dispose(self) -> None:
        self.engine.dispose()


def _retryable(exc: DBAPIError) -> bool:
    if isinstance(exc, IntegrityError):
        return True
    code = getattr(exc.orig, "sqlstate", None)
    return code in ("40001", "40P01")  # PostgreSQL serialization failure, deadlock
