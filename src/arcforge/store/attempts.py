"""Attempts: a person's submitted grid for one test input, with the action log of that attempt.

The action log is a list of ``{"tool": str, "cells": [[row, col], ...], "colour": int | None,
"t_ms": int}`` (milliseconds since the attempt's log started; other keys are kept as given).
The store appends the submission itself: ``{"tool": "submit", "t_ms": duration_ms, "mode",
"correct"}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from arcforge.grids import grid_problem
from arcforge.store.answers import unlock_in
from arcforge.store.engine import StoreBase, now
from arcforge.store.errors import ConflictError, NotFoundError, StoreError
from arcforge.store.limits import Bucket, take_slot
from arcforge.store.schema import (
    ALL_ANSWERS,
    ATTEMPT_MODES,
    CHECK_MODE,
    MAX_INT,
    AnswerUnlock,
    Attempt,
    Check,
    TaskVersion,
    User,
)
from arcforge.store.tasks import version_row
from arcforge.store.views import AttemptView


class Action(BaseModel):
    """One edit: which tool, on which cells, with which colour, when."""

    model_config = ConfigDict(extra="allow")

    tool: str = Field(min_length=1, max_length=50)
    cells: list[tuple[int, int]] = Field(default_factory=list)
    colour: int | None = Field(default=None, ge=0, le=9)
    t_ms: int = Field(ge=0)


_ACTIONS = TypeAdapter(list[Action])


def check_actions(actions: Any) -> list[dict[str, Any]]:
    """Validate an action log; :class:`StoreError` names the first bad field."""
    try:
        parsed = _ACTIONS.validate_python(actions)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
        raise StoreError(f"actions{loc}: {err['msg']}") from None
    return [a.model_dump(mode="json") for a in parsed]


def submission(mode: str, correct: bool, duration_ms: int) -> dict[str, Any]:
    """The log entry of a submission, appended by the store after the client's log."""
    return {"tool": "submit", "cells": [], "colour": None, "t_ms": duration_ms, "mode": mode,
            "correct": bool(correct)}


def checked_input(grid: Any, actions: Any, duration_ms: Any) -> list[dict[str, Any]]:
    """Validate what a person submits; the action log as stored, or :class:`StoreError`."""
    problem = grid_problem(grid)
    if problem is not None:
        raise StoreError(f"grid: {problem}")
    log = check_actions(actions)
    if type(duration_ms) is not int or not 0 <= duration_ms <= MAX_INT:
        raise StoreError(f"duration_ms: expected an int 0-{MAX_INT}, got {duration_ms!r}")
    return log


def attempt_view(a: Attempt) -> AttemptView:
    return AttemptView(
        id=a.id,
        user_id=a.user_id,
        task_id=a.task_id,
        task_version=a.task_version,
        test_index=a.test_index,
        grid=a.grid,
        correct=a.correct,
        actions=a.actions,
        duration_ms=a.duration_ms,
        created_at=a.created_at,
        mode=a.mode,
        answer_key=a.answer_key,
        after_practice=a.after_practice,
        check_id=a.check_id,
    )


def check_mode(mode: Any) -> str:
    """``mode`` as given when it is ``practice`` or ``study``, else :class:`StoreError`."""
    if not isinstance(mode, str) or mode not in ATTEMPT_MODES:
        raise StoreError(f"mode: expected 'practice' or 'study', got {mode!r}")
    return mode


@dataclass(frozen=True, slots=True)
class AttemptRules:
    """How many attempts a person gets per hidden output (shared by every version asking
    for it) and how many practice attempts an hour."""

    study_per_output: int = 2
    practice_per_output: int = 20
    practice_per_hour: int = 60


@dataclass(frozen=True, slots=True)
class Standing:
    """Attempts left on one test input: study (0 once its answer is unlocked) and practice."""

    study_left: int
    practice_left: int


@dataclass(frozen=True, slots=True)
class Recorded:
    attempt: AttemptView
    standing: Standing


class StudyEnded(ConflictError):
    """No study attempts are left on this hidden output (solved, used up, or revealed)."""


class PracticeUsedUp(StoreError):
    """Every practice attempt on this hidden output is used."""


_ENDED = {
    "solved": "you solved it",
    "attempts_used": "you used them up",
    "revealed": "you revealed the answers of this task",
    "checked": "you checked a description of this task",
}


class CheckOpen(ConflictError):
    """The person is checking a description of this task: other attempts wait."""


def lock_user(session: Session, user_id: int) -> None:
    """One person's attempts are counted and recorded one at a time (PostgreSQL row lock;
    SQLite writers are serialised already)."""
    if session.scalar(select(User.id).where(User.id == user_id).with_for_update()) is None:
        raise NotFoundError(f"no user with id {user_id}")


def _answer_key(session: Session, task_id: str, task_version: int, test_index: Any) -> str | None:
    row = session.execute(
        select(TaskVersion.test_count, TaskVersion.test_keys).where(
            TaskVersion.task_id == task_id, TaskVersion.version == task_version
        )
    ).first()
    if row is None:
        raise NotFoundError(f"task {task_id} has no version {task_version}")
    tests, keys = row
    if type(test_index) is not int or not 0 <= test_index < tests:
        raise StoreError(
            f"test_index: {test_index!r} is not a test input of {task_id} "
            f"version {task_version} (it has {tests})"
        )
    return (keys or [None] * tests)[test_index]


def _counts(session: Session, user_id: int, task_id: str, key: str | None) -> dict[str, int]:
    rows = session.execute(
        select(Attempt.mode, func.count())
        .where(Attempt.user_id == user_id, Attempt.task_id == task_id, Attempt.answer_key == key)
        .group_by(Attempt.mode)
    )
    return {mode: n for mode, n in rows}


def unlock_reason(session: Session, user_id: int, task_id: str, key: str | None) -> str | None:
    rows = session.execute(
        select(AnswerUnlock.answer_key, AnswerUnlock.reason).where(
            AnswerUnlock.user_id == user_id, AnswerUnlock.task_id == task_id,
            AnswerUnlock.answer_key.in_([key, ALL_ANSWERS]),
        )
    )
    reasons = dict(rows.all())
    return reasons.get(ALL_ANSWERS) or reasons.get(key)


def checking(session: Session, user_id: int, task_id: str) -> str | None:
    """``open`` while the person checks a description of the task, ``checked`` once they
    checked one (their study attempts there end when a check starts), else None."""
    ended = session.execute(select(Check.ended_at).where(
        Check.user_id == user_id, Check.task_id == task_id)).scalars().all()
    if not ended:
        return None
    return "open" if any(e is None for e in ended) else "checked"


def _study_ended(session: Session, user_id: int, task_id: str, key: str | None) -> str | None:
    """Why study attempts on this answer are over (see ``_ENDED``), or None."""
    return unlock_reason(session, user_id, task_id, key) or (
        "checked" if checking(session, user_id, task_id) else None)


def _standing(
    rules: AttemptRules, counts: dict[str, int], unlocked: str | None
) -> Standing:
    return Standing(
        study_left=0 if unlocked else max(0, rules.study_per_output - counts.get("study", 0)),
        practice_left=max(0, rules.practice_per_output - counts.get("practice", 0)),
    )


class AttemptRepository(StoreBase):
    def record_attempt(
        self,
        user_id: int,
        task_id: str,
        task_version: int,
        test_index: int,
        grid: list[list[int]],
        correct: bool,
        actions: list[dict[str, Any]],
        duration_ms: int,
        *,
        mode: str = "practice",
    ) -> AttemptView:
        """Store an attempt made in ``mode`` (``practice`` or ``study``) with no limits;
        whether it is correct is decided by the caller. See :meth:`submit_attempt`."""
        return self.submit_attempt(
            user_id, task_id, task_version, test_index, grid, correct, actions, duration_ms,
            mode=mode, rules=None,
        ).attempt

    def submit_attempt(
        self,
        user_id: int,
        task_id: str,
        task_version: int,
        test_index: int,
        grid: list[list[int]],
        correct: bool,
        actions: list[dict[str, Any]],
        duration_ms: int,
        *,
        mode: str,
        rules: AttemptRules | None = AttemptRules(),
    ) -> Recorded:
        """Count and store an attempt in one step, under ``rules`` (None: no limits).

        Attempts are counted per hidden output (its answer key), across the task's versions.
        Refusals record nothing: :class:`PracticeUsedUp`, :class:`LimitReached` (practice
        attempts an hour) and :class:`StudyEnded`. A study attempt after practice on the task
        is marked ``after_practice``; a correct study attempt unlocks its answer for the
        person, and so does using up the study attempts.
        """
        mode = check_mode(mode)
        log = checked_input(grid, actions, duration_ms)
        limits = rules or AttemptRules()

        def run(session: Session) -> Recorded:
            lock_user(session, user_id)
            key = _answer_key(session, task_id, task_version, test_index)
            counts = _counts(session, user_id, task_id, key)
            unlocked = unlock_reason(session, user_id, task_id, key)
            check = checking(session, user_id, task_id)
            at = now()
            if rules is not None and key is not None:
                if check == "open":
                    raise CheckOpen("finish your check of a description of this task first")
                if mode == "practice":
                    if counts.get("practice", 0) >= rules.practice_per_output:
                        raise PracticeUsedUp(
                            f"you used all {rules.practice_per_output} practice attempts on "
                            f"test input {test_index + 1}: answer it in study mode or reveal it"
                        )
                    take_slot(session, Bucket(f"practice:{user_id}", rules.practice_per_hour,
                                              3600.0), at)
                elif unlocked or check or counts.get("study", 0) >= rules.study_per_output:
                    why = _ENDED.get(unlocked or check or "attempts_used", "")
                    raise StudyEnded(
                        f"no attempts left for test input {test_index + 1} ({why})")
            practised = mode == "study" and session.scalar(
                select(Attempt.id).where(Attempt.user_id == user_id, Attempt.task_id == task_id,
                                         Attempt.mode == "practice").limit(1)
            ) is not None
            attempt = Attempt(
                user_id=user_id,
                task_id=task_id,
                task_version=task_version,
                test_index=test_index,
                grid=grid,
                correct=bool(correct),
                actions=[*log, submission(mode, correct, duration_ms)],
                duration_ms=duration_ms,
                created_at=at,
                mode=mode,
                answer_key=key,
                after_practice=practised,
            )
            session.add(attempt)
            session.flush()
            counts[mode] = counts.get(mode, 0) + 1
            if mode == "study" and key is not None and not unlocked:
                if correct:
                    unlocked = "solved"
                elif counts["study"] >= limits.study_per_output:
                    unlocked = "attempts_used"
                if unlocked:
                    unlock_in(session, user_id, task_id, key, unlocked)
            return Recorded(attempt_view(attempt), _standing(limits, counts, unlocked))

        return self.transact(run)

    def attempt_standing(
        self, user_id: int, task_id: str, task_version: int, rules: AttemptRules
    ) -> list[Standing]:
        """Attempts left on each test input of a version (study and practice)."""

        def standing(session: Session) -> list[Standing]:
            keys = list(version_row(session, task_id, task_version).test_keys or [])
            return [
                _standing(rules, _counts(session, user_id, task_id, key),
                          _study_ended(session, user_id, task_id, key))
                for key in keys
            ]

        with self.reading() as session:
            return standing(session)

    def list_attempts(
        self,
        user_id: int,
        task_id: str,
        task_version: int | None = None,
        test_index: int | None = None,
        *,
        mode: str | None = None,
    ) -> list[AttemptView]:
        """A user's attempts on a task (optionally one version / test input / mode), oldest
        first."""
        query = select(Attempt).where(Attempt.user_id == user_id, Attempt.task_id == task_id)
        if mode is not None:
            if mode not in (*ATTEMPT_MODES, CHECK_MODE):
                raise StoreError(f"mode: {mode!r} is not an attempt mode")
            query = query.where(Attempt.mode == mode)
        if task_version is not None:
            query = query.where(Attempt.task_version == task_version)
        if test_index is not None:
            query = query.where(Attempt.test_index == test_index)
        with self.reading() as session:
            return [attempt_view(a) for a in session.scalars(query.order_by(Attempt.id))]
