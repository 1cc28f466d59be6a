"""Attempts record their studio mode ('practice' or 'study'); earlier ones are 'practice'.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 11:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite cannot add a check constraint in place: the batch copies the table (rows,
    # indexes and foreign keys kept); PostgreSQL alters it directly.
    with op.batch_alter_table("attempts") as batch:
        batch.add_column(
            sa.Column(
                "mode",
                sa.String(length=10),
                server_default="practice",
                nullable=False,
            )
        )
        batch.create_check_constraint(op.f("ck_attempts_mode"), "mode IN ('practice', 'study')")


def downgrade() -> None:
    with op.batch_alter_table("attempts") as batch:
        batch.drop_constraint(op.f("ck_attempts_mode"), type_="check")
        batch.drop_column("mode")
