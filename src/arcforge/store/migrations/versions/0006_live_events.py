"""Live events shared by server processes; the studio's signing key in the store.

``live_events`` holds each live event a short while, so that every server process sharing
the database sends it to the pages connected to it (PostgreSQL also announces each one with
NOTIFY). ``store_meta`` gains ``studio_secret``: the key that signs CSRF tokens, the same for
every process and machine of a studio.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 12:00:00
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

STUDIO_SECRET = "studio_secret"


def upgrade() -> None:
    op.create_table(
        "live_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("task_id", sa.String(length=200), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_events")),
        sqlite_autoincrement=True,  # ids are never reused, even after old events go
    )
    meta = sa.table("store_meta", sa.column("key", sa.String), sa.column("value", sa.Text))
    op.bulk_insert(meta, [{"key": STUDIO_SECRET, "value": secrets.token_urlsafe(32)}])


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM store_meta WHERE key = :key").bindparams(key=STUDIO_SECRET))
    op.drop_table("live_events")
