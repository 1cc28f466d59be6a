"""Descriptions, checks by use, the store's pseudonym key.

A description is a trace linked to the attempt it describes; a check records that someone
(a person from the description alone, or a model from any trace) built the test output,
and whether it was right; attempts may be made in ``check`` mode, and ending a check unlocks
that answer (reason ``checked``). ``store_meta`` holds the random key of the pseudonyms of
data exports, created here.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-11 08:00:00
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

PSEUDONYM_KEY = "pseudonym_key"


def upgrade() -> None:
    op.create_table(
        "store_meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_store_meta")),
    )
    meta = sa.table("store_meta", sa.column("key", sa.String), sa.column("value", sa.Text))
    op.bulk_insert(meta, [{"key": PSEUDONYM_KEY, "value": secrets.token_hex(32)}])
    op.create_table(
        "checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trace_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=200), nullable=False),
        sa.Column("test_index", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.Double(), nullable=False),
        sa.Column("ended_at", sa.Double(), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.CheckConstraint("outcome IN ('success', 'failure')", name=op.f("ck_checks_outcome")),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_checks_task_id_tasks")),
        sa.ForeignKeyConstraint(
            ["trace_id"], ["traces.id"], name=op.f("fk_checks_trace_id_traces")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_checks_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checks")),
        sa.UniqueConstraint("trace_id", "user_id", name="uq_checks_trace_id_user_id"),
    )
    op.create_index("ix_checks_user_id_task_id", "checks", ["user_id", "task_id"])
    # SQLite cannot change a check constraint in place: the batches copy the tables (rows,
    # indexes and foreign keys kept); PostgreSQL alters them directly.
    with op.batch_alter_table("attempts") as batch:
        batch.add_column(sa.Column("check_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_attempts_check_id_checks"), "checks", ["check_id"],
                                 ["id"])
        batch.drop_constraint(op.f("ck_attempts_mode"), type_="check")
        batch.create_check_constraint(op.f("ck_attempts_mode"),
                                      "mode IN ('practice', 'study', 'check')")
    with op.batch_alter_table("answer_unlocks") as batch:
        batch.drop_constraint(op.f("ck_answer_unlocks_reason"), type_="check")
        batch.create_check_constraint(
            op.f("ck_answer_unlocks_reason"),
            "reason IN ('solved', 'attempts_used', 'revealed', 'checked')",
        )
    op.create_table(
        "descriptions",
        sa.Column("trace_id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("test_index", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["attempts.id"], name=op.f("fk_descriptions_attempt_id_attempts")
        ),
        sa.ForeignKeyConstraint(
            ["trace_id"], ["traces.id"], name=op.f("fk_descriptions_trace_id_traces")
        ),
        sa.PrimaryKeyConstraint("trace_id", name=op.f("pk_descriptions")),
        sa.UniqueConstraint("attempt_id", name=op.f("uq_descriptions_attempt_id")),
    )


def downgrade() -> None:
    op.drop_table("descriptions")
    op.execute("DELETE FROM answer_unlocks WHERE reason = 'checked'")
    with op.batch_alter_table("answer_unlocks") as batch:
        batch.drop_constraint(op.f("ck_answer_unlocks_reason"), type_="check")
        batch.create_check_constraint(
            op.f("ck_answer_unlocks_reason"), "reason IN ('solved', 'attempts_used', 'revealed')"
        )
    op.execute("DELETE FROM attempts WHERE mode = 'check'")
    with op.batch_alter_table("attempts") as batch:
        batch.drop_constraint(op.f("ck_attempts_mode"), type_="check")
        batch.create_check_constraint(op.f("ck_attempts_mode"), "mode IN ('practice', 'study')")
        batch.drop_constraint(op.f("fk_attempts_check_id_checks"), type_="foreignkey")
        batch.drop_column("check_id")
    op.drop_index("ix_checks_user_id_task_id", table_name="checks")
    op.drop_table("checks")
    op.drop_table("store_meta")
