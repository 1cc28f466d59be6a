"""Reasoning traces: list, add, vote, remove; every change is pushed to live subscribers
who may read the traces of that task version."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field, StrictInt

from arcforge.store import NotFoundError, StoreError, TraceView, UserView
from arcforge.web import visibility
from arcforge.web.api.tasks import TaskId, version_access
from arcforge.web.deps import Reader, StudioDep, User
from arcforge.web.present import is_admin, trace_json
from arcforge.web.schemas import Count, RemovedOut, TraceOut, TracesOut, VoteOut
from arcforge.web.state import Studio

router = APIRouter(prefix="/api", tags=["traces"])

MAX_TRACE = 50_000


class TraceIn(BaseModel):
    version: Count = 0
    text: str = Field(min_length=1, max_length=MAX_TRACE)


class VoteIn(BaseModel):
    value: StrictInt = Field(ge=-1, le=1, description="+1, -1, or 0 to retract")


def publish_trace_event(studio: Studio, event: dict[str, Any], author: str) -> None:
    """Send a trace event to every process; each sends it to its subscribers who may read
    that version's traces, and to the trace's author (:class:`visibility.Audiences`)."""
    studio.relay.send(event, author)


@router.get("/tasks/{task_id}/traces", response_model=TracesOut)
def list_traces(
    task_id: TaskId, studio: StudioDep, user: Reader, version: Count = 0
) -> dict[str, Any]:
    """Traces of a task version, best score first, then oldest; markdown rendered safely.

    Other people's traces come only once the viewer may see the version's answers
    (``hidden`` and ``hidden_reason`` say so otherwise); one's own always."""
    access = version_access(studio, user, task_id, version)
    viewer = None if user is None else user.id
    found = studio.store.list_traces(task_id, version, viewer_id=viewer)
    open_ = studio.settings.traces_after_solving
    shown, held = visibility.traces(access, version, found, open_)
    return {"items": [trace_json(t, user) for t in shown], "hidden": held,
            "hidden_reason": visibility.traces_reason(access, version, open_) if held else None}


@router.post("/tasks/{task_id}/traces", status_code=201, response_model=TraceOut)
def add_trace(task_id: TaskId, body: TraceIn, studio: StudioDep, user: User) -> dict[str, Any]:
    """Add a trace to a live task version."""
    version_access(studio, user, task_id, body.version)
    if not body.text.strip():
        raise HTTPException(422, "text: a trace must not be empty")
    try:
        trace = studio.store.add_trace(task_id, body.version, user.id, body.text)
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    except StoreError as exc:
        raise HTTPException(409, str(exc)) from None
    publish_trace_event(studio, {
        "type": "trace_added",
        "task_id": task_id,
        "version": trace.task_version,
        "trace": trace_json(trace, None),
    }, trace.author)
    return trace_json(trace, user)


def _readable_trace(studio: Studio, trace_id: int, user: UserView) -> TraceView:
    """A live trace the user may read (others get 404, as if it did not exist)."""
    try:
        trace = studio.store.get_trace(trace_id, user.id)
    except NotFoundError:
        raise HTTPException(404, f"no trace {trace_id}") from None
    if trace.removed:
        raise HTTPException(404, f"trace {trace_id} was removed")
    access = studio.visibility.task(user, trace.task_id)
    if trace.author_id != user.id and not visibility.reads_traces(
            access, trace.task_version, studio.settings.traces_after_solving):
        raise HTTPException(404, f"no trace {trace_id}")
    return trace


@router.post("/traces/{trace_id}/vote", response_model=VoteOut)
def vote(trace_id: Count, body: VoteIn, studio: StudioDep, user: User) -> dict[str, Any]:
    """Set my vote on someone else's trace: +1, -1, or 0 to retract it."""
    trace = _readable_trace(studio, trace_id, user)
    result = studio.store.set_vote(trace_id, user.id, body.value)
    publish_trace_event(studio, {
        "type": "trace_voted",
        "task_id": trace.task_id,
        "version": trace.task_version,
        "trace_id": trace_id,
        "score": result.score,
    }, trace.author)
    return {"id": trace_id, "score": result.score, "my_vote": result.my_vote}


@router.delete("/traces/{trace_id}", response_model=RemovedOut)
def remove_trace(trace_id: Count, studio: StudioDep, user: User) -> dict[str, Any]:
    """Remove a trace: its author or an admin may (it is hidden, not erased)."""
    trace = _readable_trace(studio, trace_id, user)
    if trace.author_id != user.id and not is_admin(user):
        raise HTTPException(403, "only the author of a trace or an admin may remove it")
    studio.store.remove_trace(trace_id, user.id)
    publish_trace_event(studio, {
        "type": "trace_removed",
        "task_id": trace.task_id,
        "version": trace.task_version,
        "trace_id": trace_id,
    }, trace.author)
    return {"removed": True}
