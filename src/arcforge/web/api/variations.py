"""Variations: preview a transform spec, sign it, remove a version."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from arcforge.store import NotFoundError, StoreError, UserView, VersionView
from arcforge.store.catalog import view_to_task
from arcforge.transforms import Reorder, SwapTrainTest, TransformError, apply, parse_spec
from arcforge.web.api.tasks import TaskId
from arcforge.web.deps import Reader, StudioDep, User
from arcforge.web.ids import checked_id
from arcforge.web.present import is_admin, public_content
from arcforge.web.schemas import PreviewOut, RemovedOut, SignOut
from arcforge.web.state import Studio

router = APIRouter(prefix="/api", tags=["variations"])


class VariationIn(BaseModel):
    base_version: int = Field(default=0, ge=0)
    spec: Any


def _checked_spec(spec: Any) -> Any:
    try:
        parse_spec(spec)
    except TransformError as exc:
        raise HTTPException(422, f"spec: {exc}") from None
    return spec


def revealed_tests(spec: Any, n_tests: int) -> set[int]:
    """The base version's test inputs whose outputs a spec moves into the train pairs
    (following reorders, so ``reorder`` then ``swap_train_test`` is traced to the source)."""
    origin: list[int | None] = list(range(n_tests))  # current test slot -> base test index
    revealed: set[int] = set()
    for op in parse_spec(spec):
        if isinstance(op, Reorder) and op.test is not None:
            if sorted(op.test) != list(range(len(origin))):
                continue  # not a permutation: apply() refuses it
            origin = [origin[i] for i in op.test]
        elif isinstance(op, SwapTrainTest) and op.test < len(origin):
            if origin[op.test] is not None:
                revealed.add(origin[op.test])
            origin[op.test] = None  # a former train pair now sits in that test slot
    return revealed


def _guard_swaps(
    studio: Studio, user: UserView | None, task_id: str, base: VersionView, spec: Any
) -> None:
    """A swap moves a test output into the train pairs, where it is shown: only someone who
    already solved that test input in study mode (or an admin) may preview or sign it.
    Practice solves do not count: practice answers how many cells differ, an oracle."""
    swapped = revealed_tests(spec, len(base.content["test"]))
    if not swapped or is_admin(user):
        return
    base_version = base.version
    if user is None:
        raise HTTPException(401, "log in to swap train and test pairs")
    solved = {
        a.test_index
        for a in studio.store.list_attempts(user.id, task_id, base_version, mode="study")
        if a.correct
    }
    missing = sorted(swapped - solved)
    if missing:
        raise HTTPException(
            403,
            f"swapping test input {missing[0]} into the train pairs reveals its output: "
            "solve it first in study mode",
        )


@router.post("/tasks/{task_id}/variations/preview", response_model=PreviewOut)
def preview(task_id: TaskId, body: VariationIn, studio: StudioDep, user: Reader) -> dict[str, Any]:
    """The task a spec would make from a version, without its test outputs; nothing is saved."""
    checked_id(task_id, "task")
    spec = _checked_spec(body.spec)
    base = studio.store.get_version(task_id, body.base_version)
    if base.removed:
        raise HTTPException(404, f"task {task_id} version {body.base_version} was removed")
    _guard_swaps(studio, user, task_id, base, spec)
    try:
        result = apply(view_to_task(base), spec)
    except TransformError as exc:
        raise HTTPException(422, f"spec: {exc}") from None
    return {
        "id": task_id,
        "version": None,
        **public_content(result.content()),
        "parent": {"id": task_id, "version": body.base_version},
        "transform": list(result.transform),
        "signed_by": [],
    }


@router.post("/tasks/{task_id}/variations", response_model=SignOut)
def sign(task_id: TaskId, body: VariationIn, studio: StudioDep, user: User) -> dict[str, Any]:
    """Apply a spec to a version on the server and sign the result (new or identical version)."""
    checked_id(task_id, "task")
    spec = _checked_spec(body.spec)
    base = studio.store.get_version(task_id, body.base_version)
    _guard_swaps(studio, user, task_id, base, spec)
    try:
        result = studio.store.sign_variation(task_id, body.base_version, spec, user.id)
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    except TransformError as exc:
        raise HTTPException(422, f"spec: {exc}") from None
    except StoreError as exc:
        raise HTTPException(409, str(exc)) from None
    v = result.version
    studio.hub.publish({
        "type": "variation_signed",
        "task_id": task_id,
        "version": v.version,
        "created": result.outcome == "created",
        "signed_by": list(v.signed_by),
    })
    return {"version": v.version, "created": result.outcome == "created", "outcome": result.outcome}


@router.delete("/tasks/{task_id}/versions/{version}", response_model=RemovedOut)
def remove_version(task_id: TaskId, version: int, studio: StudioDep, user: User) -> dict[str, Any]:
    """Softly remove a variation: its creator or an admin may; the number stays taken."""
    checked_id(task_id, "task")
    if version == 0:
        raise HTTPException(409, "version 0 is the original and cannot be removed")
    current = studio.store.get_version(task_id, version)
    if not is_admin(user) and current.created_by != user.username:
        raise HTTPException(403, "only the creator of a variation or an admin may remove it")
    if current.removed:
        return {"removed": True}
    studio.store.remove_variation(task_id, version, user.id)
    studio.hub.publish({"type": "variation_removed", "task_id": task_id, "version": version})
    return {"removed": True}
