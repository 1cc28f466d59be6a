"""Descriptions (written after a study solve or used-up attempts) and checks by use: someone
new to the task builds the output from a description and the test input alone."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from arcforge.store import CheckView, UserView
from arcforge.store.descriptions import MAX_FIELD
from arcforge.web import visibility
from arcforge.web.api.attempts import MAX_ACTIONS, Action
from arcforge.web.api.tasks import TaskId, task_access
from arcforge.web.api.traces import publish_trace_event
from arcforge.web.deps import StudioDep, User
from arcforge.web.ids import checked_id
from arcforge.web.markdown import render_markdown
from arcforge.web.present import trace_json
from arcforge.web.schemas import CheckableOut, CheckOut, CheckResultOut, Count, TraceOut
from arcforge.web.state import Studio

router = APIRouter(prefix="/api", tags=["descriptions"])

Part = Annotated[str, Field(max_length=MAX_FIELD)]


class DescriptionFields(BaseModel):
    what_you_see: Part = ""
    output_size: Part = ""
    how_to_build: Part = Field(min_length=1, max_length=MAX_FIELD)


class DescriptionIn(BaseModel):
    attempt_id: Count
    fields: DescriptionFields


class BuildIn(BaseModel):
    grid: Any
    actions: list[Action] = Field(default_factory=list, max_length=MAX_ACTIONS)
    duration_ms: Count | None = None


@router.post("/tasks/{task_id}/descriptions", status_code=201, response_model=TraceOut)
def add_description(
    task_id: TaskId, body: DescriptionIn, studio: StudioDep, user: User
) -> dict[str, Any]:
    """Describe how to build a test output, after solving it in study mode or using up its
    study attempts: a trace on the attempt's version, linked to the attempt."""
    checked_id(task_id, "task")
    mine = studio.store.list_attempts(user.id, task_id)
    if not any(a.id == body.attempt_id for a in mine):
        raise HTTPException(404, f"you have no attempt {body.attempt_id} on task {task_id}")
    trace = studio.store.add_description(user.id, body.attempt_id, body.fields.model_dump())
    publish_trace_event(studio, {"type": "trace_added", "task_id": task_id,
                                 "version": trace.task_version,
                                 "trace": trace_json(trace, None)}, trace.author)
    return trace_json(trace, user)


@router.get("/checks/next", response_model=CheckableOut)
def next_check(
    studio: StudioDep, user: User,
    task_id: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    """A description I may check (of a task I never worked on), or nulls: which one only,
    never its text nor its task."""
    if task_id is not None:
        checked_id(task_id, "task")
    found = studio.store.next_checkable(user.id, task_id)
    if found is None:
        return {"description_id": None, "test_index": None}
    return {"description_id": found.trace_id, "test_index": found.test_index}


def _check_json(studio: Studio, user: UserView, check: CheckView) -> dict[str, Any]:
    access = task_access(studio, user, check.task_id)
    trace = studio.store.get_trace(check.trace_id)
    version = studio.store.get_version(check.task_id, check.task_version)
    seen = visibility.check_view(access, check, trace, version.content, version.test_keys)
    left = 0 if check.outcome else max(0, studio.settings.study_per_output - check.attempts)
    over = check.outcome is not None  # the task is named once the check is over
    return {
        "id": check.id,
        "description_id": check.trace_id,
        "task_id": check.task_id if over else None,
        "version": check.task_version if over else None,
        "test_index": check.test_index or 0,
        "description": {"fields": seen["fields"], "html": render_markdown(trace.text)},
        "test_input": seen["test_input"],
        "attempts_left": left,
        "outcome": check.outcome,
        "output": seen["output"],
    }


@router.post("/descriptions/{description_id}/check", response_model=CheckOut)
def start_check(description_id: Count, studio: StudioDep, user: User) -> dict[str, Any]:
    """Start checking a description (or resume my check of it): I am shown the description
    and the test input only, and which task it is once the check is over. This ends my study
    attempts on the task and is recorded."""
    return _check_json(studio, user, studio.store.start_check(description_id, user.id))


@router.get("/checks/{check_id}", response_model=CheckOut)
def get_check(check_id: Count, studio: StudioDep, user: User) -> dict[str, Any]:
    """One of my checks (anyone else's: 404)."""
    return _check_json(studio, user, studio.store.get_check(check_id, user.id))


@router.post("/checks/{check_id}/attempts", response_model=CheckResultOut)
def build(check_id: Count, body: BuildIn, studio: StudioDep, user: User) -> dict[str, Any]:
    """Submit an output built from the description; the check ends with a correct one (a
    successful use) or when the attempts are used up (a failed use)."""
    check = studio.store.get_check(check_id, user.id)
    version = studio.store.get_version(check.task_id, check.task_version)
    expected = version.content["test"][check.test_index or 0].get("output")
    duration = body.duration_ms if body.duration_ms is not None else max(
        (a.t_ms for a in body.actions), default=0)
    ended, recorded = studio.store.submit_check(
        check_id, user.id, body.grid, body.grid == expected,
        [a.model_dump() for a in body.actions], duration,
        attempts=studio.settings.study_per_output)
    return {"correct": recorded.attempt.correct, "attempts_left": recorded.standing.study_left,
            "outcome": ended.outcome}
