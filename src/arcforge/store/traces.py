"""Reasoning traces and votes.

A trace's score is updated in the same transaction as the vote that changes it (an
atomic ``score = score + delta``, with the trace row locked on PostgreSQL and the whole
write serialised on SQLite), so concurrent voters never lose an update.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from sqlalchemy import Select, and_, null, select, update
from sqlalchemy.orm import Session, aliased

from arcforge.store.engine import StoreBase, now
from arcforge.store.errors import NotFoundError, StoreError
from arcforge.store.schema import TaskRow, TaskVersion, Trace, User, Vote
from arcforge.store.users import get_user_row
from arcforge.store.views import Kind, TraceView, VoteResult

MAX_TEXT = 1_000_000


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def new_trace_id(task_id: str, username: str) -> str:
    """A trace id in the legacy style: ``<task>_<author>_<8 hex digits>``."""
    return f"{task_id}_{username}_{secrets.token_hex(4)}"


def check_text(text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise StoreError("text: a trace must not be empty")
    if len(text) > MAX_TEXT:
        raise StoreError(f"text: at most {MAX_TEXT} characters, got {len(text)}")
    return text


def _trace_query(viewer_id: int | None) -> Select[Any]:
    author = aliased(User)
    mine = aliased(Vote)
    columns: list[Any] = [Trace, author.username, author.kind]
    query = select(*columns).join(author, author.id == Trace.author_id)
    if viewer_id is None:
        return query.add_columns(null())
    return query.add_columns(mine.value).outerjoin(
        mine, and_(mine.trace_id == Trace.id, mine.user_id == viewer_id)
    )


def _view(row: Any) -> TraceView:
    trace, username, kind, my_vote = row
    return TraceView(
        id=trace.id,
        trace_id=trace.trace_id,
        task_id=trace.task_id,
        task_version=trace.task_version,
        author=username,
        author_id=trace.author_id,
        author_kind=kind,
        source=trace.source,
        run_id=trace.run_id,
        sample=trace.sample,
        text=trace.text,
        created_at=trace.created_at,
        score=trace.score,
        my_vote=my_vote or 0,
        removed=trace.removed,
    )


def load_view(session: Session, trace_pk: int, viewer_id: int | None = None) -> TraceView:
    row = session.execute(_trace_query(viewer_id).where(Trace.id == trace_pk)).first()
    if row is None:
        raise NotFoundError(f"no trace with id {trace_pk}")
    return _view(row)


def _live_trace(session: Session, trace_pk: int) -> None:
    found = session.execute(
        select(Trace.removed).where(Trace.id == trace_pk).with_for_update()
    ).first()
    if found is None:
        raise NotFoundError(f"no trace with id {trace_pk}")
    if found.removed:
        raise StoreError(f"trace {trace_pk} was removed; it cannot be voted on")


def _set_vote(session: Session, trace_pk: int, user_id: int, value: int) -> VoteResult:
    _live_trace(session, trace_pk)
    get_user_row(session, user_id)
    current = session.scalar(
        select(Vote).where(Vote.trace_id == trace_pk, Vote.user_id == user_id).with_for_update()
    )
    old = current.value if current is not None else 0
    new = value
    if current is not None and new == 0:
        session.delete(current)
    elif current is not None:
        current.value = new
    elif new != 0:
        session.add(Vote(trace_id=trace_pk, user_id=user_id, value=new, created_at=now()))
    if new != old:
        session.execute(
            update(Trace).where(Trace.id == trace_pk).values(score=Trace.score + (new - old))
        )
    score = session.scalar(select(Trace.score).where(Trace.id == trace_pk))
    return VoteResult(trace_id=trace_pk, score=int(score or 0), my_vote=new)


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

        def run(session: Session) -> TraceView:
            author = get_user_row(session, author_id)
            version = session.scalar(
                select(TaskVersion.removed).where(
                    TaskVersion.task_id == task_id, TaskVersion.version == task_version
                )
            )
            if version is None:
                if session.get(TaskRow, task_id) is None:
                    raise NotFoundError(f"no task {task_id!r} in the store")
                raise NotFoundError(f"task {task_id} has no version {task_version}")
            if version:
                raise StoreError(f"task {task_id} version {task_version} was removed")
            trace = Trace(
                trace_id=new_trace_id(task_id, author.username),
                task_id=task_id,
                task_version=task_version,
                author_id=author.id,
                source=author.kind,
                run_id=run_id,
                sample=sample,
                text=text,
                text_hash=text_hash(text),
                created_at=now(),
                score_base=0,
                score=0,
                removed=False,
            )
            session.add(trace)
            session.flush()
            return load_view(session, trace.id, author.id)

        return self.transact(run)

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
        with self.reading() as session:
            return [_view(row) for row in session.execute(query)]

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

        def run(session: Session) -> VoteResult:
            current = session.scalar(
                select(Vote.value).where(Vote.trace_id == trace_pk, Vote.user_id == user_id)
            )
            target = 0 if value == current else value
            return _set_vote(session, trace_pk, user_id, target)

        return self.transact(run)

    def set_vote(self, trace_pk: int, user_id: int, value: int) -> VoteResult:
        """Set the user's vote to exactly ``value`` (+1, -1, or 0 to retract); idempotent."""
        if value not in (-1, 0, 1) or isinstance(value, bool):
            raise StoreError(f"vote: value must be +1, -1 or 0, got {value!r}")
        return self.transact(lambda session: _set_vote(session, trace_pk, user_id, value))

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
