"""Attempts: the server checks a submitted grid against the hidden test output; reveal."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from arcforge.grids import grid_problem
from arcforge.store.attempts import PracticeUsedUp
from arcforge.store.limits import LimitReached
from arcforge.web.api.tasks import TaskId, task_access, visible_version
from arcforge.web.deps import StudioDep, User
from arcforge.web.ids import checked_id
from arcforge.web.limits import too_many
from arcforge.web.schemas import AttemptResultOut, AttemptsOut, Count, RevealOut
from arcforge.web.timefmt import iso_time

router = APIRouter(prefix="/api", tags=["attempts"])

MAX_ACTIONS = 20_000
Cell = Annotated[int, Field(ge=0, le=29)]


class Action(BaseModel):
    model_config = ConfigDict(extra="allow")  # e.g. the new size of a resize, kept in the log

    tool: str = Field(min_length=1, max_length=32)
    cells: list[tuple[Cell, Cell]] = Field(default_factory=list, max_length=900)
    colour: int | None = Field(default=None, ge=0, le=9)
    t_ms: Count


class AttemptIn(BaseModel):
    version: Count
    test_index: Count
    grid: Any
    mode: Literal["practice", "study"]
    actions: list[Action] = Field(default_factory=list, max_length=MAX_ACTIONS)
    duration_ms: Count | None = None


def _same_shape(a: list[list[int]], b: list[list[int]]) -> bool:
    return len(a) == len(b) and len(a[0]) == len(b[0])


@router.post("/tasks/{task_id}/attempts", response_model=AttemptResultOut)
def submit_attempt(
    task_id: TaskId, body: AttemptIn, studio: StudioDep, user: User
) -> dict[str, Any]:
    """Check a grid for one test input and save it with its action log.

    Both modes answer right or wrong only; practice also says whether the size is right.
    Attempts count per person and hidden test output, across the task's versions: a few in
    study mode (a correct one, or using them up, unlocks the answer), a budget in practice,
    plus a cap on practice attempts an hour (429). A study attempt made after practising
    the task is recorded as such.
    """
    problem = grid_problem(body.grid)
    if problem is not None:
        raise HTTPException(422, f"grid: {problem}")
    if body.mode == "practice" and not studio.settings.practice:
        raise HTTPException(403, "this studio does not offer practice: answer in study mode")
    _access, version = visible_version(studio, user, task_id, body.version)
    tests = version.content["test"]
    if body.test_index >= len(tests):
        raise HTTPException(
            422, f"test_index: task {task_id} has {len(tests)} test input(s), no {body.test_index}"
        )
    expected = tests[body.test_index].get("output")
    if expected is None:
        raise HTTPException(
            409, f"test input {body.test_index + 1} has no known output: it cannot be checked"
        )
    duration = body.duration_ms if body.duration_ms is not None else max(
        (a.t_ms for a in body.actions), default=0
    )
    settings = studio.settings
    try:
        recorded = studio.store.submit_attempt(
            user.id, task_id, body.version, body.test_index, body.grid, body.grid == expected,
            [a.model_dump() for a in body.actions], duration, mode=body.mode,
            rules=settings.attempt_rules,
        )
    except PracticeUsedUp as exc:
        raise too_many(str(exc)) from None
    except LimitReached as exc:
        raise too_many(f"too many practice attempts (at most {settings.practice_per_hour} an "
                       "hour)", exc.retry_after) from None
    practice = body.mode == "practice"
    standing = recorded.standing
    return {
        "attempt_id": recorded.attempt.id,
        "correct": recorded.attempt.correct,
        "same_shape": _same_shape(body.grid, expected) if practice else None,
        "attempts_left": None if practice else standing.study_left,
        "practice_left": standing.practice_left if practice else None,
    }


@router.get("/tasks/{task_id}/attempts", response_model=AttemptsOut)
def my_attempts(
    task_id: TaskId, studio: StudioDep, user: User, version: Count = 0
) -> dict[str, Any]:
    """My attempts on a task version (every mode), with the description I wrote of each,
    and per test input the study and practice attempts left (counted across the versions
    asking for the same output)."""
    checked_id(task_id, "task")
    studio.store.get_version(task_id, version)
    attempts = studio.store.list_attempts(user.id, task_id, version)
    standing = studio.store.attempt_standing(user.id, task_id, version,
                                             studio.settings.attempt_rules)
    described = studio.store.described_attempts(user.id, task_id)
    return {
        "items": [
            {"id": a.id, "test_index": a.test_index, "correct": a.correct, "mode": a.mode,
             "created_at": iso_time(a.created_at), "description_id": described.get(a.id)}
            for a in attempts
        ],
        "attempts_left": [s.study_left for s in standing],
        "practice_left": [s.practice_left for s in standing],
    }


@router.post("/tasks/{task_id}/reveal", response_model=RevealOut)
def reveal(task_id: TaskId, studio: StudioDep, user: User) -> dict[str, bool]:
    """Show me every answer of this task (its test outputs, traces and runs); this ends my
    study attempts on it, and is recorded."""
    task_access(studio, user, task_id)
    studio.store.reveal_answers(user.id, task_id)
    return {"revealed": True}
