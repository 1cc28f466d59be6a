"""Alembic environment: migrations run on the engine handed over by the store."""

from __future__ import annotations

from alembic import context

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
        context.run_migrations()
