"""Attempts: a person's submitted grid for one test input, with the edit session's action log.

The action log is a list of ``{"tool": str, "cells": [[row, col], ...], "colour": int | None,
"t_ms": int}`` (milliseconds since the session started; other keys are kept as given).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from arcforge.grids import grid_problem
from arcforge.store.engine import StoreBase, now
from arcforge.store.errors import NotFoundError, StoreError
from arcforge.store.schema import ATTEMPT_MODES, Attempt, TaskVersion
from arcforge.store.users import get_user_row
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


def _view(a: Attempt) -> AttemptView:
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
    )


def check_mode(mode: Any) -> str:
    """``mode`` as given when it is ``practice`` or ``study``, else :class:`StoreError`."""
    if not isinstance(mode, str) or mode not in ATTEMPT_MODES:
        raise StoreError(f"mode: expected 'practice' or 'study', got {mode!r}")
    return mode


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
        """Store an attempt made in ``mode`` (``practice`` or ``study``); whether it is
        correct is decided by the caller (the server)."""
        mode = check_mode(mode)
        problem = grid_problem(grid)
        if problem is not None:
            raise StoreError(f"grid: {problem}")
        log = check_actions(actions)
        if type(duration_ms) is not int or duration_ms < 0:
            raise StoreError(f"duration_ms: expected an int >= 0, got {duration_ms!r}")

        def run(session: Session) -> AttemptView:
            get_user_row(session, user_id)
            tests = session.scalar(
                select(TaskVersion.test_count).where(
                    TaskVersion.task_id == task_id, TaskVersion.version == task_version
                )
            )
            if tests is None:
                raise NotFoundError(f"task {task_id} has no version {task_version}")
            if type(test_index) is not int or not 0 <= test_index < tests:
                raise StoreError(
                    f"test_index: {test_index!r} is not a test input of {task_id} "
                    f"version {task_version} (it has {tests})"
                )
            attempt = Attempt(
                user_id=user_id,
                task_id=task_id,
                task_version=task_version,
                test_index=test_index,
                grid=grid,
                correct=bool(correct),
                actions=log,
                duration_ms=duration_ms,
                created_at=now(),
                mode=mode,
            )
            session.add(attempt)
            session.flush()
            return _view(attempt)

        return self.transact(run)

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
            query = query.where(Attempt.mode == check_mode(mode))
        if task_version is not None:
            query = query.where(Attempt.task_version == task_version)
        if test_index is not None:
            query = query.where(Attempt.test_index == test_index)
        with self.reading() as session:
            return [_view(a) for a in session.scalars(query.order_by(Attempt.id))]
