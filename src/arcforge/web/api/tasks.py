"""Sources and tasks: the task browser and the task as a solver sees it."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query

from arcforge.store import TaskSummary, UserView, VersionView
from arcforge.store.web_queries import first_contents, task_summaries
from arcforge.web import visibility
from arcforge.web.deps import Reader, StudioDep
from arcforge.web.ids import checked_id
from arcforge.web.onboarding import first_task
from arcforge.web.present import train_pairs, version_json
from arcforge.web.schemas import (
    Count,
    RandomOut,
    SourcesOut,
    StartOut,
    TaskOut,
    TaskPageOut,
    VersionsOut,
)
from arcforge.web.sources import STORE_SOURCE, Source, store_source
from arcforge.web.state import Studio
from arcforge.web.visibility import TaskAccess

router = APIRouter(prefix="/api", tags=["tasks"])

TaskId = Annotated[str, Path(description="A task id (letters, digits, _ . -)")]
SourceParam = Annotated[str | None, Query(description="A source id from /api/sources")]


def default_source(studio: Studio) -> str:
    return studio.sources[0].id if studio.sources else STORE_SOURCE


def get_source(studio: Studio, source_id: str | None) -> Source:
    wanted = source_id or default_source(studio)
    if wanted == STORE_SOURCE:
        return store_source(studio.store)
    for source in studio.sources:
        if source.id == wanted:
            return source
    raise HTTPException(404, f"no source {wanted!r}")


@router.get("/sources", response_model=SourcesOut)
def sources(studio: StudioDep, user: Reader) -> dict[str, Any]:
    """The data sources this server offers, and the store's own tasks."""
    items = [
        {"id": s.id, "label": s.label, "tasks": len(s.ids), "conflicts": len(s.conflicts)}
        for s in studio.sources
    ]
    own = store_source(studio.store)
    items.append({"id": own.id, "label": own.label, "tasks": len(own.ids), "conflicts": 0})
    return {"default": default_source(studio), "items": items}


@router.get("/tasks", response_model=TaskPageOut)
def list_tasks(
    studio: StudioDep,
    user: Reader,
    source: SourceParam = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    has_traces: bool | None = None,
    has_variations: bool | None = None,
    solved_by_me: bool | None = None,
    offset: Count = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    thumbnails: bool = False,
) -> dict[str, Any]:
    """Tasks of a source with counts, filtered; ``number`` is the position in the source;
    with ``thumbnails``, each row's first demonstration (one request for a page)."""
    page = _list(studio, user, source, q, has_traces, has_variations, solved_by_me, offset,
                 limit)
    if thumbnails:
        ids = [item["id"] for item in page["items"]]
        access = studio.visibility.tasks(user, ids)
        contents = first_contents(studio.store, ids)
        for item in page["items"]:
            item["thumbnail"] = visibility.thumbnail(access[item["id"]],
                                                     contents.get(item["id"]))
    return page


def _list(
    studio: Studio, user: UserView | None, source: str | None, q: str | None,
    has_traces: bool | None, has_variations: bool | None, solved_by_me: bool | None,
    offset: int, limit: int,
) -> dict[str, Any]:
    src = get_source(studio, source)
    if solved_by_me is not None and user is None:
        raise HTTPException(401, "log in to filter by what you solved")
    viewer = None if user is None else user.id
    needle = (q or "").strip().casefold()
    numbered = [(n, tid) for n, tid in enumerate(src.ids, 1) if needle in tid.casefold()]
    if has_traces is None and has_variations is None and solved_by_me is None:
        # no count filter: counts are needed for one page only
        window_ids = numbered[offset : offset + limit]
        rows = task_summaries(studio.store, [tid for _, tid in window_ids], viewer)
        matches = [(n, rows[tid]) for n, tid in window_ids if tid in rows]
        return _page(len(numbered), offset, limit, matches)
    page = studio.store.list_tasks(
        viewer_id=viewer, has_traces=has_traces, has_variations=has_variations, limit=10**9
    )
    found = {item.id: item for item in page.items if item.has_content}
    matches = [
        (n, found[tid]) for n, tid in numbered
        if tid in found
        and (solved_by_me is None or found[tid].solved_by_viewer == solved_by_me)
    ]
    return _page(len(matches), offset, limit, matches[offset : offset + limit])


def _page(
    total: int, offset: int, limit: int, window: list[tuple[int, TaskSummary]]
) -> dict[str, Any]:
    return {
        "total": total,
        "offset": offset,
        "limit": limit,
        "items": [
            {
                "id": item.id,
                "number": n,
                "versions": item.versions,
                "traces": item.traces,
                "attempts": item.attempts,
                "solved_by_me": item.solved_by_viewer,
            }
            for n, item in window
        ],
    }


@router.get("/tasks/random", response_model=RandomOut)
def random_task(studio: StudioDep, user: Reader, source: SourceParam = None) -> dict[str, str]:
    """A uniformly random task id of the source."""
    src = get_source(studio, source)
    if not src.ids:
        raise HTTPException(404, f"source {src.id!r} has no tasks")
    return {"id": secrets.choice(src.ids)}


@router.get("/start", response_model=StartOut)
def start(studio: StudioDep, user: Reader, source: SourceParam = None) -> dict[str, Any]:
    """A first task to solve: an easy one of the source that I have not solved yet."""
    src = get_source(studio, source)
    return {"id": first_task(studio, src, user), "source": src.id}


def task_access(studio: Studio, user: UserView | None, task_id: str) -> TaskAccess:
    """The viewer's access to a stored task (404 for an unknown one)."""
    checked_id(task_id, "task")
    access = studio.visibility.task(user, task_id)
    if access.answers is None:
        raise HTTPException(404, f"no task {task_id!r}")
    return access


def version_access(
    studio: Studio, user: UserView | None, task_id: str, version: int
) -> TaskAccess:
    """The viewer's access to a task whose version they may see: 404 for an unknown one,
    403 for one that shows a hidden answer among its demonstrations (a swap, or derived
    from one)."""
    access = task_access(studio, user, task_id)
    assert access.answers is not None
    if version not in access.answers.versions:
        raise HTTPException(404, f"task {task_id} has no version {version}")
    if not access.sees_version(version):
        raise HTTPException(
            403, f"task {task_id} version {version} shows a test output among its "
            f"demonstrations: {access.reason()}"
        )
    return access


def visible_version(
    studio: Studio, user: UserView | None, task_id: str, version: int
) -> tuple[TaskAccess, VersionView]:
    """A live version the viewer may see (see :func:`version_access`; removed: 404)."""
    access = version_access(studio, user, task_id, version)
    chosen = studio.store.get_version(task_id, version)
    if chosen.removed:
        raise HTTPException(404, f"task {task_id} version {version} was removed")
    return access, chosen


def versions_page(
    studio: Studio, user: UserView | None, access: TaskAccess, offset: int, limit: int
) -> dict[str, Any]:
    """A page of the versions the viewer may see (removed ones included, flagged)."""
    assert access.answers is not None
    numbers = [v for v in sorted(access.answers.versions) if access.sees_version(v)]
    page = numbers[offset : offset + limit]
    items = studio.store.list_versions(access.task_id, numbers=page) if page else []
    return {"total": len(numbers), "offset": offset, "limit": limit,
            "items": [version_json(v, user) for v in items]}


@router.get("/tasks/{task_id}", response_model=TaskOut)
def get_task(
    task_id: TaskId,
    studio: StudioDep,
    user: Reader,
    version: Count = 0,
    source: SourceParam = None,
) -> dict[str, Any]:
    """One version of a task, its test outputs only where unlocked, the first page of its
    versions and its neighbours."""
    src = get_source(studio, source)
    access, chosen = visible_version(studio, user, task_id, version)
    prev, nxt = src.neighbours(task_id)
    versions = versions_page(studio, user, access, 0, studio.settings.versions_page)
    return {
        "id": task_id,
        "version": version,
        "number": src.number(task_id),
        "source": src.id,
        "source_differs": version == 0 and src.differs(task_id),
        "prev": prev,
        "next": nxt,
        "train": train_pairs(chosen.content),
        "test": visibility.test_pairs(access, version, chosen.content, chosen.test_keys),
        "parent": None if chosen.parent is None
        else {"id": chosen.parent[0], "version": chosen.parent[1]},
        "transform": list(chosen.transform),
        "signed_by": list(chosen.signed_by),
        "versions": versions["items"],
        "versions_total": versions["total"],
    }


@router.get("/tasks/{task_id}/versions", response_model=VersionsOut)
def list_versions(
    task_id: TaskId,
    studio: StudioDep,
    user: Reader,
    offset: Count = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    """The versions of a task the viewer may see, by number, a page at a time."""
    return versions_page(studio, user, task_access(studio, user, task_id), offset, limit)
