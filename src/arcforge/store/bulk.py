"""Set-at-a-time helpers for imports and merges (thousands of rows in a few statements)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from arcforge.store.engine import now
from arcforge.store.errors import ConflictError
from arcforge.store.schema import TaskRow, Trace, User
from arcforge.store.tasks import chunks
from arcforge.store.users import check_username, name_key
from arcforge.store.views import Kind


def ensure_users(
    session: Session, wanted: Mapping[str, Kind], imported: bool, strict_kind: bool = False
) -> dict[str, User]:
    """Users by name key, creating the missing ones with the given kind.

    With ``strict_kind`` an existing user of another kind is a :class:`ConflictError`
    (a model's traces must not be credited to a person of the same name).
    """
    by_key: dict[str, tuple[str, Kind]] = {}
    for name, kind in wanted.items():
        by_key.setdefault(name_key(check_username(name)), (name.strip(), kind))
    found: dict[str, User] = {}
    keys = sorted(by_key)
    for part in chunks(keys):
        for user in session.scalars(select(User).where(User.name_key.in_(part))):
            found[user.name_key] = user
    if strict_kind:
        for key, user in found.items():
            if user.kind != by_key[key][1]:
                raise ConflictError(
                    f"user {user.username!r} is a {user.kind} in the store, "
                    f"not a {by_key[key][1]}; its traces cannot be added"
                )
    stamp = now()
    for key in keys:
        if key not in found:
            name, kind = by_key[key]
            user = User(
                username=name,
                name_key=key,
                role="user",
                kind=kind,
                imported=imported,
                created_at=stamp,
            )
            session.add(user)
            found[key] = user
    session.flush()
    return found


def missing_tasks(session: Session, task_ids: Iterable[str]) -> list[str]:
    """The ids among ``task_ids`` that have no task row yet, sorted."""
    ids = sorted(set(task_ids))
    known: set[str] = set()
    for part in chunks(ids):
        known.update(session.scalars(select(TaskRow.id).where(TaskRow.id.in_(part))))
    return [i for i in ids if i not in known]


def ensure_task_rows(session: Session, task_ids: Iterable[str]) -> int:
    """Create missing task rows (without content); return how many were created."""
    stamp = now()
    missing = missing_tasks(session, task_ids)
    rows = [{"id": i, "source": None, "created_at": stamp} for i in missing]
    if rows:
        session.execute(TaskRow.__table__.insert(), rows)
    return len(rows)


def existing_values(session: Session, column: str, values: Iterable[str]) -> set[str]:
    """Which of ``values`` are already in traces' ``column`` (``trace_id`` or ``merge_key``)."""
    col = getattr(Trace, column)
    found: set[str] = set()
    for part in chunks(sorted(set(values))):
        found.update(session.scalars(select(col).where(col.in_(part))))
    return found
