"""Indexes for the trace lists (by task version and score), per-user votes and attempts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 10:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

INDEXES = [
    ("traces", "ix_traces_task_id_task_version_score", ["task_id", "task_version", "score"]),
    ("traces", "ix_traces_author_id", ["author_id"]),
    ("traces", "ix_traces_run_id", ["run_id"]),
    ("votes", "ix_votes_user_id", ["user_id"]),
    (
        "attempts",
        "ix_attempts_user_id_task_id_task_version",
        ["user_id", "task_id", "task_version"],
    ),
    ("attempts", "ix_attempts_task_id", ["task_id"]),
]


def upgrade() -> None:
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for table, name, _ in INDEXES:
        op.drop_index(name, table_name=table)
