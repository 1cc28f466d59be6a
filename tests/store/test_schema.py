"""The migrations build exactly the schema of the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from arcforge.store import Store
from arcforge.store.engine import head_revision
from arcforge.store.schema import Base


def test_migrations_match_models(store: Store) -> None:
    assert store.revision() == head_revision()
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


@pytest.mark.parametrize("any_store_url", ["sqlite"], indirect=True)
def test_sqlite_settings(store: Store) -> None:
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
        conn.execute(text("SELECT 1"))
