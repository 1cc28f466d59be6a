"""Reasoning traces: list, add, vote, remove; every change is pushed to live subscribers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field, StrictInt

from arcforge.store import NotFoundError, StoreError
from arcforge.web.api.tasks import TaskId
from arcforge.web.deps import Reader, StudioDep, User
from arcforge.web.ids import checked_id
from arcforge.web.present import is_admin, trace_json
from arcforge.web.schemas import RemovedOut, TraceOut, TracesOut, VoteOut

router = APIRouter(prefix="/api", tags=["traces"])

MAX_TRACE = 50_000


class TraceIn(BaseModel):
    version: int = Field(default=0, ge=0)
    text: str = Field(min_length=1, max_length=MAX_TRACE)


class VoteIn(BaseModel):
    value: StrictInt = Field(ge=-1, le=1, description="+1, -1, or 0 to retract")


@router.get("/tasks/{task_id}/traces", response_model=TracesOut)
def list_traces(
    task_id: TaskId,
    studio: StudioDep,
    user: Reader,
    version: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Traces of a task version, best score first, then oldest; markdown rendered safely."""
    checked_id(task_id, "task")
    traces = studio.store.list_traces(
        task_id, version, viewer_id=None if user is None else user.id
    )
    if not traces:
        studio.store.get_version(task_id, version)
    return {"items": [trace_json(t, user) for t in traces]}


@router.post("/tasks/{task_id}/traces", status_code=201, response_model=TraceOut)
def add_trace(task_id: TaskId, body: TraceIn, studio: StudioDep, user: User) -> dict[str, Any]:
    """Add a trace to a live task version."""
    checked_id(task_id, "task")
    if not body.text.strip():
        raise HTTPException(422, "text: a trace must not be empty")
    try:
        trace = studio.store.add_trace(task_id, body.version, user.id, body.text)
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    except StoreError as exc:
        raise HTTPException(409, str(exc)) from None
    studio.hub.publish({
        "type": "trace_added",
        "task_id": task_id,
        "version": trace.task_version,
        "trace": trace_json(trace, None),
    })
    return trace_json(trace, user)


def _live_trace(studio: StudioDep, trace_id: int, user_id: int) -> Any:
    try:
        trace = studio.store.get_trace(trace_id, user_id)
    except NotFoundError:
        raise HTTPException(404, f"no trace {trace_id}") from None
    if trace.removed:
        raise HTTPException(404, f"trace {trace_id} was removed")
    return trace


@router.post("/traces/{trace_id}/vote", response_model=VoteOut)
def vote(trace_id: int, body: VoteIn, studio: StudioDep, user: User) -> dict[str, Any]:
    """Set my vote on a trace: +1, -1, or 0 to retract it."""
    trace = _live_trace(studio, trace_id, user.id)
    result = studio.store.set_vote(trace_id, user.id, body.value)
    studio.hub.publish({
        "type": "trace_voted",
        "task_id": trace.task_id,
        "version": trace.task_version,
        "trace_id": trace_id,
        "score": result.score,
    })
    return {"id": trace_id, "score": result.score, "my_vote": result.my_vote}


@router.delete("/traces/{trace_id}", response_model=RemovedOut)
def remove_trace(trace_id: int, studio: StudioDep, user: User) -> dict[str, Any]:
    """Remove a trace: its author or an admin may (it is hidden, not erased)."""
    trace = _live_trace(studio, trace_id, user.id)
    if trace.author_id != user.id and not is_admin(user):
        raise HTTPException(403, "only the author of a trace or an admin may remove it")
    studio.store.remove_trace(trace_id, user.id)
    studio.hub.publish({
        "type": "trace_removed",
        "task_id": trace.task_id,
        "version": trace.task_version,
        "trace_id": trace_id,
    })
    return {"removed": True}
