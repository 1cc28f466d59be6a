"""Turning store views into API JSON (what may be shown at all is :mod:`visibility`'s call)."""

from __future__ import annotations

from typing import Any

from arcforge.store import TraceView, UserView, VersionView
from arcforge.web.markdown import render_markdown
from arcforge.web.timefmt import iso_time


def train_pairs(content: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"input": p["input"], "output": p["output"]} for p in content["train"]]


def is_admin(user: UserView | None) -> bool:
    return user is not None and user.role == "admin"


def version_json(v: VersionView, user: UserView | None) -> dict[str, Any]:
    return {
        "version": v.version,
        "signed_by": list(v.signed_by),
        "created_by": v.created_by,
        "removed": v.removed,
        "parent": None if v.parent is None else {"id": v.parent[0], "version": v.parent[1]},
        "transform": list(v.transform),
        "created_at": iso_time(v.created_at),
        "can_delete": v.version != 0 and not v.removed and user is not None
        and (is_admin(user) or v.created_by == user.username),
    }


def trace_json(t: TraceView, user: UserView | None) -> dict[str, Any]:
    return {
        "id": t.id,
        "task_id": t.task_id,
        "version": t.task_version,
        "author": t.author,
        "author_kind": t.author_kind,
        "score": t.score,
        "my_vote": t.my_vote if user is not None else 0,
        "created_at": iso_time(t.created_at),
        "text": t.text,
        "html": render_markdown(t.text),
        "can_delete": user is not None and (is_admin(user) or t.author_id == user.id),
        "run_id": t.run_id,
        "sample": t.sample,
        "kind": "trace" if t.description is None else "description",
        "fields": None if t.description is None else dict(t.description.fields),
        "test_index": None if t.description is None else t.description.test_index,
        "uses_ok": t.uses_ok,
        "uses_failed": t.uses_failed,
    }
