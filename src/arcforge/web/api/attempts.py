"""Attempts: the server checks a submitted grid against the hidden test output."""

from __future__ import annotations

import math
import threading
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field

from arcforge.grids import distance, grid_problem
from arcforge.store import StoreError
from arcforge.web.api.tasks import TaskId
from arcforge.web.deps import StudioDep, User
from arcforge.web.ids import checked_id
from arcforge.web.schemas import AttemptResultOut, AttemptsOut
from arcforge.web.state import Studio
from arcforge.web.timefmt import iso_time

router = APIRouter(prefix="/api", tags=["attempts"])

STUDY_ATTEMPTS = 2
MAX_ACTIONS = 20_000
_study_lock = threading.Lock()  # count and record study attempts as one step


class Action(BaseModel):
    model_config = ConfigDict(extra="allow")  # e.g. the new size of a resize, kept in the log

    tool: str = Field(min_length=1, max_length=32)
    cells: list[tuple[int, int]] = Field(default_factory=list, max_length=900)
    colour: int | None = Field(default=None, ge=0, le=9)
    t_ms: int = Field(ge=0)


class AttemptIn(BaseModel):
    version: int = Field(ge=0)
    test_index: int = Field(ge=0)
    grid: Any
    mode: Literal["practice", "study"]
    actions: list[Action] = Field(default_factory=list, max_length=MAX_ACTIONS)
    duration_ms: int | None = Field(default=None, ge=0)


def _study_left(used: int) -> int:
    return max(0, STUDY_ATTEMPTS - used)


def _window_text(seconds: float) -> str:
    minutes = seconds / 60
    return f"{minutes:g} minutes" if minutes >= 1 else f"{seconds:g} seconds"


def _practice_allowed(studio: Studio, user_id: int, task_id: str, test_index: int) -> None:
    """Count one practice attempt, or refuse it (429): each one says how many cells differ,
    so unlimited ones would find the answer cell by cell. The count is per user, task and
    test input, across the task's versions."""
    settings = studio.settings
    wait = studio.practice_attempts.take(f"{user_id}:{task_id}:{test_index}")
    if wait > 0:
        raise HTTPException(
            429,
            f"too many practice attempts on test input {test_index} of this task (at most "
            f"{settings.practice_limit} in {_window_text(settings.practice_window_s)}); "
            f"try again in {max(1, math.ceil(wait))} s",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )


@router.post("/tasks/{task_id}/attempts", response_model=AttemptResultOut)
def submit_attempt(
    task_id: TaskId, body: AttemptIn, studio: StudioDep, user: User
) -> dict[str, Any]:
    """Check a grid for one test input and save it with its action log.

    Practice mode answers the distance to the solution and is rate limited per user, task
    and test input (429); study mode hides it and allows two study attempts per test input
    of a version (practice attempts are not counted). The attempt is saved with its mode.
    """
    checked_id(task_id, "task")
    problem = grid_problem(body.grid)
    if problem is not None:
        raise HTTPException(422, f"grid: {problem}")
    version = studio.store.get_version(task_id, body.version)
    if version.removed:
        raise HTTPException(404, f"task {task_id} version {body.version} was removed")
    tests = version.content["test"]
    if body.test_index >= len(tests):
        raise HTTPException(
            422, f"test_index: task {task_id} has {len(tests)} test input(s), no {body.test_index}"
        )
    expected = tests[body.test_index].get("output")
    if expected is None:
        raise HTTPException(
            409, f"test input {body.test_index} has no known output: it cannot be checked"
        )
    dist = distance(body.grid, expected)
    actions = [a.model_dump() for a in body.actions]
    duration = body.duration_ms if body.duration_ms is not None else max(
        (a.t_ms for a in body.actions), default=0
    )

    def record() -> None:
        try:
            studio.store.record_attempt(
                user.id, task_id, body.version, body.test_index, body.grid, dist.exact,
                actions, duration, mode=body.mode,
            )
        except StoreError as exc:
            raise HTTPException(422, str(exc)) from None

    if body.mode == "practice":
        _practice_allowed(studio, user.id, task_id, body.test_index)
        record()
        return {"correct": dist.exact, "distance": dist.to_dict(), "attempts_left": None}
    with _study_lock:
        used = len(
            studio.store.list_attempts(
                user.id, task_id, body.version, body.test_index, mode="study"
            )
        )
        if used >= STUDY_ATTEMPTS:
            raise HTTPException(409, f"no attempts left for test input {body.test_index}")
        record()
    return {"correct": dist.exact, "distance": None, "attempts_left": _study_left(used + 1)}


@router.get("/tasks/{task_id}/attempts", response_model=AttemptsOut)
def my_attempts(
    task_id: TaskId,
    studio: StudioDep,
    user: User,
    version: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """My attempts on a task version (both modes) and the study attempts left per test
    input (only study attempts use them up)."""
    checked_id(task_id, "task")
    tests = len(studio.store.get_version(task_id, version).content["test"])
    attempts = studio.store.list_attempts(user.id, task_id, version)
    used = [0] * tests
    for a in attempts:
        if a.mode == "study" and a.test_index < tests:
            used[a.test_index] += 1
    return {
        "items": [
            {"test_index": a.test_index, "correct": a.correct, "created_at": iso_time(a.created_at)}
            for a in attempts
        ],
        "attempts_left": [_study_left(n) for n in used],
    }
