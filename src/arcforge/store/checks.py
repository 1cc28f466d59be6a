"""Checks by use: someone builds a test output from a trace's text alone.

A person checks a description (as LARC does): they are shown only the description and the
test input, never the demonstrations, and build the output with the protocol's study
attempts. Only someone new to the task may: no attempt, unlock or earlier check on it. A
check ends at the first correct build (a successful use) or when the attempts are used up (a
failed use); the answer then opens for the checker (unlock reason ``checked``). Starting one
ends the checker's study attempts on the task. A model checks any trace
(``arcforge check-traces``); each checker uses a trace at most once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from arcforge.lineage import hidden_keys
from arcforge.store.answers import unlock_in
from arcforge.store.attempts import (
    Recorded,
    Standing,
    attempt_view,
    checked_input,
    lock_user,
    submission,
)
from arcforge.store.engine import StoreBase, now
from arcforge.store.errors import ConflictError, ForbiddenError, NotFoundError, StoreError
from arcforge.store.schema import (
    CHECK_MODE,
    AnswerUnlock,
    Attempt,
    Check,
    Description,
    TaskVersion,
    Trace,
    User,
)
from arcforge.store.users import ensure_user, name_key
from arcforge.store.views import CheckView

CHECK_OUTCOMES = ("success", "failure")


@dataclass(frozen=True, slots=True)
class Checkable:
    """A description someone may check: its trace, task version and test input."""

    trace_id: int
    task_id: str
    task_version: int
    test_index: int


def _view(session: Session, check: Check, version: int) -> CheckView:
    made = session.scalar(select(func.count(Attempt.id)).where(Attempt.check_id == check.id))
    return CheckView(
        id=check.id, trace_id=check.trace_id, user_id=check.user_id, task_id=check.task_id,
        task_version=version, test_index=check.test_index, started_at=check.started_at,
        ended_at=check.ended_at, outcome=check.outcome, attempts=int(made or 0),
        detail=check.detail,
    )


def _trace_version(session: Session, trace_id: int) -> int:
    return session.scalar(select(Trace.task_version).where(Trace.id == trace_id)) or 0


def _new_to(user_id: int) -> Any:
    """Descriptions of tasks the user never worked on: no attempt, unlock or check there."""
    return ~or_(
        exists().where(Attempt.user_id == user_id, Attempt.task_id == Trace.task_id),
        exists().where(AnswerUnlock.user_id == user_id, AnswerUnlock.task_id == Trace.task_id),
        exists().where(Check.user_id == user_id, Check.task_id == Trace.task_id),
    )


_CHECKABLE = (
    select(Trace.id, Trace.task_id, Trace.task_version, Description.test_index,
           TaskVersion.train_keys, Trace.author_id)
    .join(Description, Description.trace_id == Trace.id)
    .join(TaskVersion, (TaskVersion.task_id == Trace.task_id)
          & (TaskVersion.version == Trace.task_version))
    .where(Trace.removed.is_(False), TaskVersion.removed.is_(False))
)


class CheckRepository(StoreBase):
    def next_checkable(self, user_id: int, task_id: str | None = None) -> Checkable | None:
        """A description the user may check (fewest uses first, then oldest), or None."""
        uses = (select(func.count(Check.id)).where(Check.trace_id == Trace.id)
                .correlate(Trace).scalar_subquery())
        query = _CHECKABLE.where(Trace.author_id != user_id, _new_to(user_id))
        if task_id is not None:
            query = query.where(Trace.task_id == task_id)
        query = query.order_by(uses, Trace.created_at, Trace.id)
        with self.reading() as session:
            for pk, tid, version, index, train_keys, _author in session.execute(query):
                if not hidden_keys(train_keys or ()):  # no answer among its demonstrations
                    return Checkable(pk, tid, version, index)
        return None

    def start_check(self, trace_pk: int, user_id: int) -> CheckView:
        """Start checking a description, or resume the user's open check of it. Refused
        (:class:`ConflictError`) for someone who worked on the task before, and for a
        description of a version showing a hidden answer; one's own: :class:`ForbiddenError`."""

        def run(session: Session) -> CheckView:
            lock_user(session, user_id)
            row = session.execute(_CHECKABLE.where(Trace.id == trace_pk)).first()
            if row is None:
                raise NotFoundError(f"no description {trace_pk}")
            _pk, task_id, version, index, train_keys, author = row
            mine = session.scalar(select(Check).where(Check.trace_id == trace_pk,
                                                      Check.user_id == user_id))
            if mine is not None:
                return _view(session, mine, version)
            if author == user_id:
                raise ForbiddenError("you wrote this description: someone else checks it")
            if hidden_keys(train_keys or ()):
                raise ConflictError(f"description {trace_pk} is of a version that shows a "
                                    "hidden answer among its demonstrations")
            fresh = session.scalar(select(_new_to(user_id)).select_from(Trace).where(
                Trace.id == trace_pk))
            if not fresh:
                raise ConflictError(f"you worked on task {task_id} before: a check needs "
                                    "someone new to the task")
            check = Check(trace_id=trace_pk, user_id=user_id, task_id=task_id,
                          test_index=index, started_at=now())
            session.add(check)
            session.flush()
            return _view(session, check, version)

        return self.transact(run)

    def get_check(self, check_id: int, user_id: int) -> CheckView:
        """One of the user's checks (anyone else's is :class:`NotFoundError`)."""
        with self.reading() as session:
            check = session.get(Check, check_id)
            if check is None or check.user_id != user_id:
                raise NotFoundError(f"you have no check {check_id}")
            return _view(session, check, _trace_version(session, check.trace_id))

    def submit_check(
        self,
        check_id: int,
        user_id: int,
        grid: list[list[int]],
        correct: bool,
        actions: list[dict[str, Any]],
        duration_ms: int,
        *,
        attempts: int,
    ) -> tuple[CheckView, Recorded]:
        """Record one build of an open check (an attempt in ``check`` mode); the check ends
        with the first correct one or after ``attempts``, and then opens that answer."""
        log = checked_input(grid, actions, duration_ms)

        def run(session: Session) -> tuple[CheckView, Recorded]:
            lock_user(session, user_id)
            check = session.get(Check, check_id)
            if check is None or check.user_id != user_id:
                raise NotFoundError(f"you have no check {check_id}")
            if check.outcome is not None:
                raise ConflictError(f"check {check_id} is over ({check.outcome})")
            version = _trace_version(session, check.trace_id)
            keys = session.scalar(select(TaskVersion.test_keys).where(
                TaskVersion.task_id == check.task_id, TaskVersion.version == version)) or []
            index = check.test_index or 0
            key = keys[index] if index < len(keys) else None
            made = session.scalar(select(func.count(Attempt.id)).where(
                Attempt.check_id == check_id)) or 0
            attempt = Attempt(
                user_id=user_id, task_id=check.task_id, task_version=version, test_index=index,
                grid=grid, correct=bool(correct),
                actions=[*log, submission(CHECK_MODE, correct, duration_ms)],
                duration_ms=duration_ms, created_at=now(), mode=CHECK_MODE, answer_key=key,
                after_practice=False, check_id=check_id,
            )
            session.add(attempt)
            session.flush()
            left = max(0, attempts - made - 1)
            if correct or left == 0:
                check.outcome = "success" if correct else "failure"
                check.ended_at = attempt.created_at
                if key is not None:
                    unlock_in(session, user_id, check.task_id, key, "checked")
            session.flush()
            recorded = Recorded(attempt_view(attempt), Standing(left, 0))
            return _view(session, check, version), recorded

        return self.transact(run)

    def record_model_check(
        self, trace_pk: int, model: str, outcome: str, detail: dict[str, Any] | None = None,
        test_index: int | None = None,
    ) -> CheckView:
        """Record that the model named ``model`` (a user of kind ``model``, created when
        missing) used a trace; :class:`ConflictError` when it did already."""
        if outcome not in CHECK_OUTCOMES:
            raise StoreError(f"outcome: expected one of {', '.join(CHECK_OUTCOMES)}")

        def run(session: Session) -> CheckView:
            trace = session.get(Trace, trace_pk)
            if trace is None:
                raise NotFoundError(f"no trace with id {trace_pk}")
            user = ensure_user(session, model, "model")
            if user.kind != "model":
                raise StoreError(f"{model!r} is a person, not a model")
            if session.scalar(select(Check.id).where(Check.trace_id == trace_pk,
                                                     Check.user_id == user.id)) is not None:
                raise ConflictError(f"{model} checked trace {trace_pk} already")
            at = now()
            check = Check(trace_id=trace_pk, user_id=user.id, task_id=trace.task_id,
                          test_index=test_index, started_at=at, ended_at=at, outcome=outcome,
                          detail=detail)
            session.add(check)
            session.flush()
            return _view(session, check, trace.task_version)

        return self.transact(run)

    def traces_checked_by(self, name: str) -> set[int]:
        """Ids of the traces the user (a model) of that name checked."""
        query = (select(Check.trace_id).join(User, User.id == Check.user_id)
                 .where(User.name_key == name_key(name)))
        with self.reading() as session:
            return set(session.scalars(query))
