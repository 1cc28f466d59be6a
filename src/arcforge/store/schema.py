"""The database schema (SQLAlchemy 2 declarative models).

Times are seconds since the epoch (UTC) as doubles, which keeps legacy timestamps
such as ``1745946045.0825815`` exact through import and export. Nothing is ever
deleted: traces and variations are removed softly and keep their ids and numbers.
The migrations in ``migrations/versions`` create exactly this schema; a test checks it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


MAX_NAME = 200  # user names, task ids, run ids
MAX_TRACE_ID = 400
MAX_SOURCE = 500
KEY_LENGTH = 32  # arcforge.pairkeys.pair_key
MAX_INT = 2**31 - 1  # the largest Integer column value on every backend
MAX_LIMIT_KEY = 400


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    """A person or a model. ``name_key`` (lower-cased name) makes names case-insensitive."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('user', 'admin')", name="role"),
        CheckConstraint("kind IN ('human', 'model')", name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(MAX_NAME))
    name_key: Mapped[str] = mapped_column(String(MAX_NAME), unique=True)
    role: Mapped[str] = mapped_column(String(10), default="user")
    kind: Mapped[str] = mapped_column(String(10), default="human")
    password_hash: Mapped[str | None] = mapped_column(String(500), nullable=True)
    imported: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[float] = mapped_column(Double)


class TaskRow(Base):
    """A task id. It may exist before its content (a merged trace for an unknown task)."""

    __tablename__ = "tasks"

    id: Mapped[str] = mapped_column(String(MAX_NAME), primary_key=True)
    source: Mapped[str | None] = mapped_column(String(MAX_SOURCE), nullable=True)
    created_at: Mapped[float] = mapped_column(Double)


class TaskVersion(Base):
    """One version of a task: 0 is the original, higher numbers are variations."""

    __tablename__ = "task_versions"
    __table_args__ = (
        UniqueConstraint("task_id", "version", name="uq_task_versions_task_id_version"),
        UniqueConstraint("task_id", "content_hash", name="uq_task_versions_task_id_content_hash"),
        CheckConstraint("version >= 0", name="version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id"))
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    test_count: Mapped[int] = mapped_column(Integer)  # test inputs, for "solved" queries
    parent_task_id: Mapped[str | None] = mapped_column(String(MAX_NAME), nullable=True)
    parent_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    transform: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[float] = mapped_column(Double)
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    removed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    removed_at: Mapped[float | None] = mapped_column(Double, nullable=True)
    # arcforge.pairkeys keys of the pairs: which hidden answers this version shows or asks for
    train_keys: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    test_keys: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)


class Signature(Base):
    """A person signing a task version (the legacy ``signed_by``); ``id`` keeps their order."""

    __tablename__ = "signatures"
    __table_args__ = (
        UniqueConstraint("version_id", "user_id", name="uq_signatures_version_id_user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("task_versions.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[float] = mapped_column(Double)


class Run(Base):
    """A bench run whose traces were merged into the store."""

    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(MAX_NAME), primary_key=True)
    model: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    source_file: Mapped[str] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Double)
    imported_at: Mapped[float] = mapped_column(Double)
    info: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class Trace(Base):
    """A reasoning trace on a task version, by a person or a model.

    ``score`` is ``score_base`` plus the sum of the votes, kept up to date atomically in the
    same transaction as each vote (``score_base`` carries legacy scores that no stored
    vote explains). ``merge_key`` identifies a merged model answer, so merging is idempotent.
    """

    __tablename__ = "traces"
    __table_args__ = (
        CheckConstraint("source IN ('human', 'model')", name="source"),
        Index("ix_traces_task_id_task_version_score", "task_id", "task_version", "score"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trace_id: Mapped[str] = mapped_column(String(MAX_TRACE_ID), unique=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id"))
    task_version: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    source: Mapped[str] = mapped_column(String(10))
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.id"), nullable=True, index=True)
    sample: Mapped[int | None] = mapped_column(Integer, nullable=True)
    text: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64))
    merge_key: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    created_at: Mapped[float] = mapped_column(Double)
    score_base: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    removed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    removed_at: Mapped[float | None] = mapped_column(Double, nullable=True)


class Vote(Base):
    """One user's vote on one trace, +1 or -1; retracting deletes the row."""

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("trace_id", "user_id", name="uq_votes_trace_id_user_id"),
        CheckConstraint("value IN (-1, 1)", name="value"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trace_id: Mapped[int] = mapped_column(ForeignKey("traces.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    value: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[float] = mapped_column(Double)


ATTEMPT_MODES = ("practice", "study")  # the modes a person chooses on the task page
CHECK_MODE = "check"  # an output built from a description alone (check by use)


class Attempt(Base):
    """A person's submitted answer to one test input, with the action log of that attempt.

    ``mode`` is the studio mode it was made in: ``practice`` or ``study`` (attempts stored
    before modes were recorded are ``practice``), or ``check`` for an output built from a
    description alone (``check_id``). ``answer_key`` is the test pair's answer key
    (:mod:`arcforge.lineage`), shared by every version showing the same hidden output;
    ``after_practice`` marks a study attempt made after practising the task.
    """

    __tablename__ = "attempts"
    __table_args__ = (
        CheckConstraint("mode IN ('practice', 'study', 'check')", name="mode"),
        Index("ix_attempts_user_id_task_id_task_version", "user_id", "task_id", "task_version"),
        Index("ix_attempts_task_id", "task_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id"))
    task_version: Mapped[int] = mapped_column(Integer)
    test_index: Mapped[int] = mapped_column(Integer)
    grid: Mapped[list[list[int]]] = mapped_column(JSON)
    correct: Mapped[bool] = mapped_column(Boolean)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    duration_ms: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[float] = mapped_column(Double)
    mode: Mapped[str] = mapped_column(String(10), default="practice", server_default="practice")
    answer_key: Mapped[str | None] = mapped_column(String(KEY_LENGTH), nullable=True)
    after_practice: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    check_id: Mapped[int | None] = mapped_column(ForeignKey("checks.id"), nullable=True)


class Description(Base):
    """A trace that describes how to build a test output, written by the person who made
    ``attempt_id`` (a study solve, or their last study attempt); ``fields`` holds the
    template's parts (``what_you_see``, ``output_size``, ``how_to_build``)."""

    __tablename__ = "descriptions"

    trace_id: Mapped[int] = mapped_column(ForeignKey("traces.id"), primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), unique=True)
    test_index: Mapped[int] = mapped_column(Integer)
    fields: Mapped[dict[str, str]] = mapped_column(JSON)


CHECK_OUTCOMES = ("success", "failure")


class Check(Base):
    """A use of a trace: someone builds a test output from its text alone.

    A person checks a description (check by use: they see only the description and the test
    input, with the study attempts of the protocol); a model checks any trace
    (``arcforge check-traces``). ``outcome`` is null while a person's check is open.
    """

    __tablename__ = "checks"
    __table_args__ = (
        UniqueConstraint("trace_id", "user_id", name="uq_checks_trace_id_user_id"),
        CheckConstraint("outcome IN ('success', 'failure')", name="outcome"),
        Index("ix_checks_user_id_task_id", "user_id", "task_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trace_id: Mapped[int] = mapped_column(ForeignKey("traces.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id"))
    test_index: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: every one
    started_at: Mapped[float] = mapped_column(Double)
    ended_at: Mapped[float | None] = mapped_column(Double, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(10), nullable=True)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class StoreMeta(Base):
    """Values that belong to one store (the key of its export pseudonyms, the studio's
    signing key)."""

    __tablename__ = "store_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


UNLOCK_REASONS = ("solved", "attempts_used", "revealed", "checked")
ALL_ANSWERS = "*"  # the answer key of a whole-task reveal


class AnswerUnlock(Base):
    """A person may now see a hidden test output of a task (``ALL_ANSWERS``: every one).

    Written when they solve it in study mode, use up its study attempts, reveal the task, or
    end a check of one of its descriptions.
    """

    __tablename__ = "answer_unlocks"
    __table_args__ = (
        UniqueConstraint("user_id", "task_id", "answer_key",
                         name="uq_answer_unlocks_user_id_task_id_answer_key"),
        CheckConstraint("reason IN ('solved', 'attempts_used', 'revealed', 'checked')",
                        name="reason"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id"))
    answer_key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    reason: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[float] = mapped_column(Double)


class LoginSession(Base):
    """A signed-in browser: the sha256 of its cookie's random token, until it expires or
    logs out (deleting the row ends the session in every server process)."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[float] = mapped_column(Double)
    expires_at: Mapped[float] = mapped_column(Double)


class RateLimit(Base):
    """A fixed-window counter of events per key (logins, sign-ups, practice, previews)."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(MAX_LIMIT_KEY), primary_key=True)
    window_start: Mapped[float] = mapped_column(Double)
    count: Mapped[int] = mapped_column(Integer)


class LiveEvent(Base):
    """A live event of the studio (a trace added, voted or removed; a version signed or
    removed), kept a short while so that every server process sharing the store sends it to
    its own pages. ``payload`` is the event as pages get it (JSON text); ``author`` (not sent)
    is the trace's author, who always gets events about it. Ids are never reused."""

    __tablename__ = "live_events"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[float] = mapped_column(Double)
    task_id: Mapped[str] = mapped_column(String(MAX_NAME))
    author: Mapped[str | None] = mapped_column(String(MAX_NAME), nullable=True)
    payload: Mapped[str] = mapped_column(Text)
