"""Variations: preview a transform spec, sign it, remove a version.

A result whose train pairs hold a hidden answer (a train/test swap, or a spec applied to a
version derived from one) shows that answer: previewing it needs the viewer to see that
answer, signing it needs a correct study answer given before any practice on the task
(admins excepted), and the new version is shown only to those who may see the answer.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel

from arcforge.lineage import follow_spec, hidden_keys
from arcforge.store import NotFoundError, StoreError, UserView, VersionView
from arcforge.store.limits import Bucket
from arcforge.store.tasks import view_to_task
from arcforge.tasks import Task
from arcforge.transforms import TransformError, apply, parse_spec
from arcforge.web.api.tasks import TaskId, version_access, visible_version
from arcforge.web.clients import client_key
from arcforge.web.deps import Reader, StudioDep, User
from arcforge.web.limits import take
from arcforge.web.present import is_admin, train_pairs
from arcforge.web.schemas import Count, PreviewOut, RemovedOut, SignOut
from arcforge.web.state import Studio

router = APIRouter(prefix="/api", tags=["variations"])

MAX_SPEC_BODY = 16 * 1024  # a spec of the most operations fits many times over


class VariationIn(BaseModel):
    base_version: Count = 0
    spec: Any


def _checked_spec(spec: Any) -> Any:
    try:
        parse_spec(spec)
    except TransformError as exc:
        raise HTTPException(422, f"spec: {exc}") from None
    return spec


def _apply(base: Task, spec: Any) -> Task:
    try:
        return apply(base, spec)
    except TransformError as exc:
        raise HTTPException(422, f"spec: {exc}") from None


def _shown_answers(base: VersionView, spec: Any) -> frozenset[str]:
    """Hidden answers the variation shows among its train pairs (the spec applies)."""
    return hidden_keys(follow_spec((base.train_keys, base.test_keys), spec)[0])


def _guard_signing(studio: Studio, user: UserView, task_id: str, shown: frozenset[str]) -> None:
    """Signing a version that shows an answer vouches for it: only someone who answered it
    right in study mode without practising first (or an admin) may."""
    if not shown or is_admin(user):
        return
    if not shown <= studio.store.clean_study_solves(user.id, task_id):
        raise HTTPException(
            403, "this variation moves a test output into the demonstrations: solve that test "
            "input first in study mode, without practising the task before"
        )


@router.post("/tasks/{task_id}/variations/preview", response_model=PreviewOut,
             max_body_size=MAX_SPEC_BODY)
def preview(
    task_id: TaskId, body: VariationIn, request: Request, studio: StudioDep, user: Reader
) -> dict[str, Any]:
    """The task a spec would make from a version, without its test outputs; nothing is
    saved. Limited per person (or client address) per minute."""
    spec = _checked_spec(body.spec)
    s = studio.settings
    who = f"user:{user.id}" if user is not None else f"client:{client_key(request)}"
    take(studio.store, "previews", Bucket(f"preview:{who}", s.preview_limit, s.preview_window_s))
    access, base = visible_version(studio, user, task_id, body.base_version)
    result = _apply(view_to_task(base), spec)
    if not access.sees(_shown_answers(base, spec)):
        raise HTTPException(
            401 if user is None else 403,
            f"this variation moves a test output into the demonstrations: {access.reason()}",
        )
    return {
        "id": task_id,
        "version": None,
        "train": train_pairs(result.content()),
        "test": [{"input": p.input} for p in result.test],
        "parent": {"id": task_id, "version": body.base_version},
        "transform": list(result.transform),
        "signed_by": [],
    }


@router.post("/tasks/{task_id}/variations", response_model=SignOut, max_body_size=MAX_SPEC_BODY)
def sign(task_id: TaskId, body: VariationIn, studio: StudioDep, user: User) -> dict[str, Any]:
    """Apply a spec to a version on the server and sign the result (new or identical
    version); one person creates at most ``versions_per_user`` versions of a task."""
    spec = _checked_spec(body.spec)
    version_access(studio, user, task_id, body.base_version)
    base = studio.store.get_version(task_id, body.base_version)
    _apply(view_to_task(base), spec)  # a spec that does not fit is 422 before any guard
    _guard_signing(studio, user, task_id, _shown_answers(base, spec))
    try:
        result = studio.store.sign_variation(
            task_id, body.base_version, spec, user.id,
            max_created=studio.settings.versions_per_user,
        )
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    except TransformError as exc:
        raise HTTPException(422, f"spec: {exc}") from None
    except StoreError as exc:
        raise HTTPException(409, str(exc)) from None
    v = result.version
    _publish(studio, {
        "type": "variation_signed",
        "task_id": task_id,
        "version": v.version,
        "created": result.outcome == "created",
        "signed_by": list(v.signed_by),
    })
    return {"version": v.version, "created": result.outcome == "created", "outcome": result.outcome}


def _publish(studio: Studio, event: dict[str, Any]) -> None:
    """Send a version event to every process; each sends it to its subscribers who may see
    that version (:class:`arcforge.web.visibility.Audiences`)."""
    studio.relay.send(event)


@router.delete("/tasks/{task_id}/versions/{version}", response_model=RemovedOut)
def remove_version(
    task_id: TaskId, version: Count, studio: StudioDep, user: User
) -> dict[str, Any]:
    """Softly remove a variation: its creator or an admin may; the number stays taken."""
    version_access(studio, user, task_id, version)
    if version == 0:
        raise HTTPException(409, "version 0 is the original and cannot be removed")
    current = studio.store.get_version(task_id, version)
    if not is_admin(user) and current.created_by != user.username:
        raise HTTPException(403, "only the creator of a variation or an admin may remove it")
    if current.removed:
        return {"removed": True}
    studio.store.remove_variation(task_id, version, user.id)
    _publish(studio, {"type": "variation_removed", "task_id": task_id, "version": version})
    return {"removed": True}
