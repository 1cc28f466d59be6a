"""Answer keys and unlocks, stored sessions, rate-limit counters.

Task versions get the answer keys of their pairs (arcforge.lineage: followed through their
transform from the parent, else matched with the original) and attempts the key of the
hidden output they tried; study attempts say whether they came after practice. Existing
correct study attempts, and study attempts used up, become answer unlocks.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 08:00:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

STUDY_ATTEMPTS = 2  # per hidden output and person, as the studio allows

VERSIONS = sa.table(
    "task_versions",
    sa.column("id", sa.Integer),
    sa.column("task_id", sa.String),
    sa.column("version", sa.Integer),
    sa.column("content", sa.JSON),
    sa.column("parent_task_id", sa.String),
    sa.column("parent_version", sa.Integer),
    sa.column("transform", sa.JSON),
    sa.column("train_keys", sa.JSON),
    sa.column("test_keys", sa.JSON),
)
ATTEMPTS = sa.table(
    "attempts",
    sa.column("id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("task_id", sa.String),
    sa.column("task_version", sa.Integer),
    sa.column("test_index", sa.Integer),
    sa.column("correct", sa.Boolean),
    sa.column("mode", sa.String),
    sa.column("answer_key", sa.String),
    sa.column("after_practice", sa.Boolean),
    sa.column("created_at", sa.Double),
)
UNLOCKS = sa.table(
    "answer_unlocks",
    sa.column("user_id", sa.Integer),
    sa.column("task_id", sa.String),
    sa.column("answer_key", sa.String),
    sa.column("reason", sa.String),
    sa.column("created_at", sa.Double),
)


def _version_keys(task_id: str, version: int, content: Any, parent: Any, transform: Any,
                  done: dict[tuple[str, int], Any], originals: dict[str, Any]) -> Any:
    from arcforge.errors import ArcforgeError
    from arcforge.lineage import follow_spec, match_keys, original_keys

    try:
        if version == 0:
            return original_keys(content)
        if parent in done and parent[0] == task_id and transform:
            return follow_spec(done[parent], transform)
        base = originals.get(task_id) or {"train": [], "test": []}
        return match_keys(base, content, own=f"v{version}")
    except (ArcforgeError, KeyError, TypeError, ValueError, IndexError):
        return ((), ())


def _backfill(conn: sa.Connection) -> None:
    test_keys: dict[tuple[str, int], list[Any]] = {}
    done: dict[tuple[str, int], Any] = {}
    originals: dict[str, Any] = {}
    rows = conn.execute(sa.select(
        VERSIONS.c.id, VERSIONS.c.task_id, VERSIONS.c.version, VERSIONS.c.content,
        VERSIONS.c.parent_task_id, VERSIONS.c.parent_version, VERSIONS.c.transform,
    ).order_by(VERSIONS.c.task_id, VERSIONS.c.version)).all()
    for row_id, task_id, version, content, parent_id, parent_version, transform in rows:
        keys = _version_keys(task_id, version, content, (parent_id, parent_version),
                             transform, done, originals)
        train, test = list(keys[0]), list(keys[1])
        conn.execute(VERSIONS.update().where(VERSIONS.c.id == row_id)
                     .values(train_keys=train, test_keys=test))
        done[(task_id, version)] = keys
        if version == 0:
            originals[task_id] = content
        test_keys[(task_id, version)] = test
    study: dict[tuple[int, str, str], list[tuple[bool, float]]] = {}
    query = sa.select(ATTEMPTS.c.id, ATTEMPTS.c.user_id, ATTEMPTS.c.task_id,
                      ATTEMPTS.c.task_version, ATTEMPTS.c.test_index, ATTEMPTS.c.correct,
                      ATTEMPTS.c.mode, ATTEMPTS.c.created_at).order_by(ATTEMPTS.c.id)
    practised: set[tuple[int, str]] = set()
    for pk, user, task, version, index, correct, mode, at in conn.execute(query).all():
        keys = test_keys.get((task, version), [])
        key = keys[index] if 0 <= index < len(keys) else None
        after = mode == "study" and (user, task) in practised
        if mode == "practice":
            practised.add((user, task))
        conn.execute(ATTEMPTS.update().where(ATTEMPTS.c.id == pk)
                     .values(answer_key=key, after_practice=after))
        if mode == "study" and key is not None:
            study.setdefault((user, task, key), []).append((bool(correct), at))
    unlocks = []
    for (user, task, key), tries in study.items():
        solved = [at for ok, at in tries if ok]
        if solved:
            unlocks.append({"user_id": user, "task_id": task, "answer_key": key,
                            "reason": "solved", "created_at": solved[0]})
        elif len(tries) >= STUDY_ATTEMPTS:
            unlocks.append({"user_id": user, "task_id": task, "answer_key": key,
                            "reason": "attempts_used", "created_at": tries[-1][1]})
    if unlocks:
        conn.execute(UNLOCKS.insert(), unlocks)


def upgrade() -> None:
    op.create_table(
        "answer_unlocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=200), nullable=False),
        sa.Column("answer_key", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.CheckConstraint(
            "reason IN ('solved', 'attempts_used', 'revealed')",
            name=op.f("ck_answer_unlocks_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_answer_unlocks_task_id_tasks")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_answer_unlocks_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_unlocks")),
        sa.UniqueConstraint(
            "user_id", "task_id", "answer_key",
            name="uq_answer_unlocks_user_id_task_id_answer_key",
        ),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
    )
    op.create_index(op.f("ix_sessions_user_id"), "sessions", ["user_id"])
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("window_start", sa.Double(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limits")),
    )
    with op.batch_alter_table("task_versions") as batch:
        batch.add_column(sa.Column("train_keys", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("test_keys", sa.JSON(), nullable=True))
    with op.batch_alter_table("attempts") as batch:
        batch.add_column(sa.Column("answer_key", sa.String(length=32), nullable=True))
        batch.add_column(
            sa.Column("after_practice", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    _backfill(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("attempts") as batch:
        batch.drop_column("after_practice")
        batch.drop_column("answer_key")
    with op.batch_alter_table("task_versions") as batch:
        batch.drop_column("test_keys")
        batch.drop_column("train_keys")
    op.drop_table("rate_limits")
    op.drop_index(op.f("ix_sessions_user_id"), table_name="sessions")
    op.drop_table("sessions")
    op.drop_table("answer_unlocks")
