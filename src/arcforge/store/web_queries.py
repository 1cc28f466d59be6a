"""Queries the studio needs beyond the general repository: counts for a page of task ids."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from arcforge.store.schema import Attempt, TaskRow, TaskVersion, Trace
from arcforge.store.store import Store
from arcforge.store.tasks import _solved_ids, chunks
from arcforge.store.views import TaskSummary


def task_summaries(
    store: Store, task_ids: Sequence[str], viewer_id: int | None = None
) -> dict[str, TaskSummary]:
    """Browser rows (counts of live versions, live traces, attempts; solved by the viewer)
    for just these ids; ids the store does not know are left out."""
    rows: dict[str, TaskSummary] = {}
    with store.reading() as session:
        for part in chunks(list(task_ids)):
            known = dict(
                session.execute(
                    select(TaskRow.id, TaskRow.source).where(TaskRow.id.in_(part))
                ).all()
            )
            versions = dict(
                session.execute(
                    select(TaskVersion.task_id, func.count())
                    .where(TaskVersion.task_id.in_(part), TaskVersion.removed.is_(False))
                    .group_by(TaskVersion.task_id)
                ).all()
            )
            with_content = set(
                session.scalars(
                    select(TaskVersion.task_id).where(
                        TaskVersion.task_id.in_(part), TaskVersion.version == 0
                    )
                )
            )
            traces = dict(
                session.execute(
                    select(Trace.task_id, func.count())
                    .where(Trace.task_id.in_(part), Trace.removed.is_(False))
                    .group_by(Trace.task_id)
                ).all()
            )
            attempts = dict(
                session.execute(
                    select(Attempt.task_id, func.count())
                    .where(Attempt.task_id.in_(part))
                    .group_by(Attempt.task_id)
                ).all()
            )
            solved: set[str] = set()
            if viewer_id is not None:
                solved = set(
                    session.scalars(
                        select(TaskRow.id).where(
                            TaskRow.id.in_(part), TaskRow.id.in_(_solved_ids(viewer_id))
                        )
                    )
                )
            for tid, source in known.items():
                rows[tid] = TaskSummary(
                    id=tid,
                    source=source,
                    has_content=tid in with_content,
                    versions=versions.get(tid, 0),
                    traces=traces.get(tid, 0),
                    attempts=attempts.get(tid, 0),
                    solved_by_viewer=tid in solved,
                )
    return rows


def task_ids_with_content(store: Store) -> list[str]:
    """Ids of every task whose original (version 0) is stored, sorted."""
    with store.reading() as session:
        return list(
            session.scalars(
                select(TaskVersion.task_id)
                .where(TaskVersion.version == 0)
                .order_by(TaskVersion.task_id)
            )
        )


def first_contents(store: Store, task_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The content of the original (version 0) of each of these tasks that is stored."""
    found: dict[str, dict[str, Any]] = {}
    with store.reading_core() as conn:
        for part in chunks(list(dict.fromkeys(task_ids))):
            found.update((tid, content) for tid, content in conn.execute(
                select(TaskVersion.task_id, TaskVersion.content)
                .where(TaskVersion.task_id.in_(part), TaskVersion.version == 0)))
    return found
