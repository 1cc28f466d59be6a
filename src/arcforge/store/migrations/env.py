"""Alembic environment: migrations run on the engine handed over by the store.

Several processes or machines may open a store at once: on SQLite the migration transaction
begins with ``BEGIN IMMEDIATE``, on PostgreSQL with an advisory lock, so one migrates and
the others then find the schema up to date.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from arcforge.store.schema import Base

engine = context.config.attributes["engine"]

with engine.execution_options(sqlite_begin="IMMEDIATE").connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(7262111)"))  # "arcforge"
        context.run_migrations()
