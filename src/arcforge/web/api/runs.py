"""The run viewer: runs from the runs folder and runs merged into the store."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path

from arcforge.errors import ArcforgeError
from arcforge.web.api.tasks import TaskId
from arcforge.web.deps import Reader, StudioDep
from arcforge.web.ids import checked_id
from arcforge.web.run_viewer import RunNotFound
from arcforge.web.schemas import Count

router = APIRouter(prefix="/api", tags=["runs"])

RunId = Annotated[str, Path(description="A run id (letters, digits, _ . -)")]


@router.get("/runs")
def list_runs(studio: StudioDep, user: Reader) -> dict[str, Any]:
    """Every run, newest first."""
    return {"items": studio.runs.list_runs()}


@router.get("/runs/{run_id}")
def get_run(run_id: RunId, studio: StudioDep, user: Reader) -> dict[str, Any]:
    """A run's public settings, scores and per-task verdicts; the grids of its summary only
    for tasks whose answers the viewer may see."""
    try:
        return studio.runs.run_detail(studio.runs.find(checked_id(run_id, "run")), user)
    except RunNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except ArcforgeError as exc:
        raise HTTPException(409, f"run {run_id} cannot be read: {studio.runs.problem(exc)}"
                            ) from None


@router.get("/runs/{run_id}/tasks/{task_id}")
def get_run_task(
    run_id: RunId,
    task_id: TaskId,
    studio: StudioDep,
    user: Reader,
    version: Count = 0,
) -> dict[str, Any]:
    """Each sample of one task: reasoning, code, and produced grids next to expected ones.

    Unless the viewer may see the task's answers, test outputs (expected and produced),
    reasoning and code are null and ``test_outputs_hidden`` is true."""
    checked_id(task_id, "task")
    try:
        ref = studio.runs.find(checked_id(run_id, "run"))
        return studio.runs.run_task(ref, task_id, version, viewer=user)
    except RunNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except ArcforgeError as exc:
        raise HTTPException(409, f"run {run_id} cannot be read: {studio.runs.problem(exc)}"
                            ) from None
