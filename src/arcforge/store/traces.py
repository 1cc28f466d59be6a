"""Reasoning traces and votes.

A trace's score is updated in the same transaction as the vote that changes it (an
atomic ``score = score + delta``, with the trace row locked on PostgreSQL and the whole
write serialised on SQLite), so concurrent voters never lose an update.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from sqlalchemy import Select, and_, bindparam, delete, func, insert, null, select, update
from sqlalchemy.orm import Session, aliased

from arcforge.store.engine import StoreBase, now
from arcforge.store.errors import ForbiddenError, NotFoundError, StoreError
from arcforge.store.schema import (
    MAX_TRACE_ID,
    Check,
    Description,
    Run,
    TaskRow,
    TaskVersion,
    Trace,
    User,
    Vote,
)
from arcforge.store.users import get_user_row
from arcforge.store.views import DescriptionParts, Kind, TraceView, VoteResult

MAX_TEXT = 1_000_000


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def compose_trace_id(task_id: str, username: str, suffix: str) -> str:
    """A trace id in the legacy style, ``<task>_<author>_<suffix>`` (the author is left out
    when the whole would not fit the column)."""
    tid = f"{task_id}_{username}_{suffix}"
    return tid if len(tid) <= MAX_TRACE_ID else f"{task_id}_{suffix}"


def new_trace_id(task_id: str, username: str) -> str:
    """A fresh legacy-style id: ``<task>_<author>_<8 random hex digits>``."""
    return compose_trace_id(task_id, username, secrets.token_hex(4))


def check_text(text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise StoreError("text: a trace must not be empty")
    if len(text) > MAX_TEXT:
        raise StoreError(f"text: at most {MAX_TEXT} characters, got {len(text)}")
    return text


_AUTHOR = aliased(User, name="author")
_MINE = aliased(Vote, name="mine")
_COLUMNS = (
    Trace.id,
    Trace.trace_id,
    Trace.task_id,
    Trace.task_version,
    _AUTHOR.username,
    Trace.author_id,
    _AUTHOR.kind,
    Trace.source,
    Trace.run_id,
    Trace.sample,
    Trace.text,
    Trace.created_at,
    Trace.score,
    Description.attempt_id,
    Description.test_index,
    Description.fields,
    *(
        select(func.count(Check.id))
        .where(Check.trace_id == Trace.id, Check.outcome == outcome)
        .correlate(Trace)
        .scalar_subquery()
        for outcome in ("success", "failure")
    ),
)


def _trace_query(viewer_id: int | None) -> Select[Any]:
    """Columns of :class:`TraceView`; the aliases are module-level so the SQL is cached."""
    query = (select(*_COLUMNS).join(_AUTHOR, _AUTHOR.id == Trace.author_id)
             .outerjoin(Description, Description.trace_id == Trace.id))
    if viewer_id is None:
        return query.add_columns(null(), Trace.removed)
    return query.add_columns(_MINE.value, Trace.removed).outerjoin(
        _MINE, and_(_MINE.trace_id == Trace.id, _MINE.user_id == viewer_id)
    )


def _view(row: Any) -> TraceView:
    (
        pk,
        trace_id,
        task_id,
        version,
        author,
        author_id,
        kind,
        source,
        run_id,
        sample,
        text,
        created_at,
        score,
        attempt_id,
        test_index,
        fields,
        uses_ok,
        uses_failed,
        my_vote,
        removed,
    ) = row
    return TraceView(
        id=pk,
        trace_id=trace_id,
        task_id=task_id,
        task_version=version,
        author=author,
        author_id=author_id,
        author_kind=kind,
        source=source,
        run_id=run_id,
        sample=sample,
        text=text,
        created_at=created_at,
        score=score,
        my_vote=my_vote or 0,
        removed=removed,
        description=None if attempt_id is None
        else DescriptionParts(attempt_id, test_index, dict(fields or {})),
        uses_ok=uses_ok or 0,
        uses_failed=uses_failed or 0,
    )


def load_view(session: Session, trace_pk: int, viewer_id: int | None = None) -> TraceView:
    row = session.execute(_trace_query(viewer_id).where(Trace.id == trace_pk)).first()
    if row is None:
        raise NotFoundError(f"no trace with id {trace_pk}")
    return _view(row)


# Lock the trace first; then read the vote in its own statement, which on PostgreSQL (read
# committed) takes a fresh snapshot after the lock, so a concurrent vote is never missed.
_LOCK_TRACE = (
    select(Trace.removed, Trace.score, Trace.author_id)
    .where(Trace.id == bindparam("trace"))
    .with_for_update()
)
_VOTER_STATE = select(
    select(User.id).where(User.id == bindparam("user")).scalar_subquery(),
    select(Vote.value)
    .where(Vote.trace_id == bindparam("trace"), Vote.user_id == bindparam("user"))
    .scalar_subquery(),
)
_ADD_VOTE = insert(Vote).values(
    trace_id=bindparam("trace"),
    user_id=bindparam("user"),
    value=bindparam("value"),
    created_at=bindparam("at"),
)
_THIS_VOTE = and_(Vote.trace_id == bindparam("trace"), Vote.user_id == bindparam("user"))
_CHANGE_VOTE = update(Vote).where(_THIS_VOTE).values(value=bindparam("value"))
_DROP_VOTE = delete(Vote).where(_THIS_VOTE)
_MOVE_SCORE = (
    update(Trace)
    .where(Trace.id == bindparam("trace"))
    .values(score=Trace.score + bindparam("delta"))
    .returning(Trace.score)
)


def _set_vote(
    session: Session, trace_pk: int, user_id: int, value: int, toggle: bool
) -> VoteResult:
    """Set (or with ``toggle``, retract when equal) a vote; a handful of cached statements."""
    conn = session.connection()
    keys = {"trace": trace_pk, "user": user_id}
    trace = conn.execute(_LOCK_TRACE, keys).first()
    if trace is None:
        raise NotFoundError(f"no trace with id {trace_pk}")
    removed, score, author_id = trace
    user_found, current = conn.execute(_VOTER_STATE, keys).one()
    if user_found is None:
        raise NotFoundError(f"no user with id {user_id}")
    if removed:
        raise StoreError(f"trace {trace_pk} was removed; it cannot be voted on")
    old = current or 0
    new = 0 if toggle and value == old else value
    if author_id == user_id and new != 0:
        raise ForbiddenError("you cannot vote on your own trace")
    if new == old:
        return VoteResult(trace_id=trace_pk, score=score, my_vote=new)
    if old == 0:
        conn.execute(_ADD_VOTE, {**keys, "value": new, "at": now()})
    elif new == 0:
        conn.execute(_DROP_VOTE, keys)
    else:
        conn.execute(_CHANGE_VOTE, {**keys, "value": new})
    score = conn.execute(_MOVE_SCORE, {"trace": trace_pk, "delta": new - old}).scalar_one()
    return VoteResult(trace_id=trace_pk, score=score, my_vote=new)


_AUTHOR_AND_VERSION = select(
    select(User.username).where(User.id == bindparam("user")).scalar_subquery(),
    select(User.kind).where(User.id == bindparam("user")).scalar_subquery(),
    select(TaskVersion.removed)
    .where(TaskVersion.task_id == bindparam("task"), TaskVersion.version == bindparam("version"))
    .scalar_subquery(),
)
_ADD_TRACE = insert(Trace).returning(Trace.id)


def insert_trace(
    session: Session,
    task_id: str,
    task_version: int,
    author_id: int,
    text: str,
    run_id: str | None = None,
    sample: int | None = None,
) -> TraceView:
    """Add a trace in the caller's transaction (see :meth:`TraceRepository.add_trace`)."""
    check_text(text)
    conn = session.connection()
    keys = {"user": author_id, "task": task_id, "version": task_version}
    username, kind, removed = conn.execute(_AUTHOR_AND_VERSION, keys).one()
    if username is None:
        raise NotFoundError(f"no user with id {author_id}")
    if removed is None:
        if session.get(TaskRow, task_id) is None:
            raise NotFoundError(f"no task {task_id!r} in the store")
        raise NotFoundError(f"task {task_id} has no version {task_version}")
    if removed:
        raise StoreError(f"task {task_id} version {task_version} was removed")
    if run_id is not None and session.get(Run, run_id) is None:
        raise NotFoundError(f"no run {run_id!r} in the store")
    row = {
        "trace_id": new_trace_id(task_id, username),
        "task_id": task_id,
        "task_version": task_version,
        "author_id": author_id,
        "source": kind,
        "run_id": run_id,
        "sample": sample,
        "text": text,
        "text_hash": text_hash(text),
        "merge_key": None,
        "created_at": now(),
        "score_base": 0,
        "score": 0,
        "removed": False,
    }
    pk = conn.execute(_ADD_TRACE, row).scalar_one()
    return TraceView(
        id=pk,
        trace_id=row["trace_id"],
        task_id=task_id,
        task_version=task_version,
        author=username,
        author_id=author_id,
        author_kind=kind,
        source=kind,
        run_id=run_id,
        sample=sample,
        text=text,
        created_at=row["created_at"],
        score=0,
        my_vote=0,
        removed=False,
    )


class TraceRepository(StoreBase):
    def add_trace(
        self,
        task_id: str,
        task_version: int,
        author_id: int,
        text: str,
        *,
        run_id: str | None = None,
        sample: int | None = None,
    ) -> TraceView:
        """Add a trace to a stored task version. ``source`` follows the author's kind.

        Raises :class:`NotFoundError` for an unknown task version, author or run and
        :class:`StoreError` for an empty text.
        """
        check_text(text)
        return self.transact(lambda session: insert_trace(
            session, task_id, task_version, author_id, text, run_id, sample))

    def get_trace(self, trace_pk: int, viewer_id: int | None = None) -> TraceView:
        """One trace (removed ones too; see ``removed``)."""
        with self.reading() as session:
            return load_view(session, trace_pk, viewer_id)

    def find_trace(self, trace_id: str, viewer_id: int | None = None) -> TraceView:
        """A trace by its exchange id (the legacy ``trace_id``)."""
        with self.reading() as session:
            pk = session.scalar(select(Trace.id).where(Trace.trace_id == trace_id))
            if pk is None:
                raise NotFoundError(f"no trace {trace_id!r}")
            return load_view(session, pk, viewer_id)

    def list_traces(
        self,
        task_id: str,
        task_version: int | None = 0,
        *,
        viewer_id: int | None = None,
        include_removed: bool = False,
        source: Kind | None = None,
    ) -> list[TraceView]:
        """Traces of a task version (every version with ``None``): best score first, then oldest."""
        query = _trace_query(viewer_id).where(Trace.task_id == task_id)
        if task_version is not None:
            query = query.where(Trace.task_version == task_version)
        if not include_removed:
            query = query.where(Trace.removed.is_(False))
        if source is not None:
            query = query.where(Trace.source == source)
        query = query.order_by(Trace.score.desc(), Trace.created_at, Trace.id)
        with self.reading_core() as conn:
            return [_view(row) for row in conn.execute(query)]

    def live_traces(self, source: Kind | None = None,
                    task_ids: list[str] | None = None) -> list[TraceView]:
        """Every live trace (of ``source`` authors, of ``task_ids``), by task, version, id."""
        query = _trace_query(None).where(Trace.removed.is_(False))
        if source is not None:
            query = query.where(Trace.source == source)
        if task_ids is not None:
            query = query.where(Trace.task_id.in_(task_ids))
        query = query.order_by(Trace.task_id, Trace.task_version, Trace.id)
        with self.reading_core() as conn:
            return [_view(row) for row in conn.execute(query)]

    def traces_of_run(self, run_id: str) -> list[TraceView]:
        """The live traces merged from one run, by task, version and sample."""
        query = (
            _trace_query(None)
            .where(Trace.run_id == run_id, Trace.removed.is_(False))
            .order_by(Trace.task_id, Trace.task_version, Trace.sample, Trace.id)
        )
        with self.reading() as session:
            return [_view(row) for row in session.execute(query)]

    def vote(self, trace_pk: int, user_id: int, value: int) -> VoteResult:
        """Vote +1 or -1. Voting the value one already gave, or 0, retracts; the other flips."""
        if value not in (-1, 0, 1) or isinstance(value, bool):
            raise StoreError(f"vote: value must be +1, -1 or 0, got {value!r}")

        return self.transact(lambda session: _set_vote(session, trace_pk, user_id, value, True))

    def set_vote(self, trace_pk: int, user_id: int, value: int) -> VoteResult:
        """Set the user's vote to exactly ``value`` (+1, -1, or 0 to retract); idempotent."""
        if value not in (-1, 0, 1) or isinstance(value, bool):
            raise StoreError(f"vote: value must be +1, -1 or 0, got {value!r}")
        return self.transact(lambda session: _set_vote(session, trace_pk, user_id, value, False))

    def retract_vote(self, trace_pk: int, user_id: int) -> VoteResult:
        return self.set_vote(trace_pk, user_id, 0)

    def remove_trace(self, trace_pk: int, by_user_id: int) -> TraceView:
        """Softly remove a trace (hidden from lists, kept with its votes); returns it, author
        included, so the caller can check who may remove it."""

        def run(session: Session) -> TraceView:
            get_user_row(session, by_user_id)
            trace = session.get(Trace, trace_pk)
            if trace is None:
                raise NotFoundError(f"no trace with id {trace_pk}")
            if not trace.removed:
                trace.removed, trace.removed_by, trace.removed_at = True, by_user_id, now()
            session.flush()
            return load_view(session, trace_pk, by_user_id)

        return self.transact(run)

    def restore_trace(self, trace_pk: int) -> TraceView:
        def run(session: Session) -> TraceView:
            trace = session.get(Trace, trace_pk)
            if trace is None:
                raise NotFoundError(f"no trace with id {trace_pk}")
            trace.removed, trace.removed_by, trace.removed_at = False, None, None
            session.flush()
            return load_view(session, trace_pk)

        return self.transact(run)
