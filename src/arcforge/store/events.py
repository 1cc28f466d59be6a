"""Live events in the store, so that every server process sharing it sends them to its pages.

An event is appended in a transaction of its own once the change it reports is saved; on
PostgreSQL the same transaction announces its id with ``NOTIFY`` (delivered at commit, in
commit order). Events are kept for the last :data:`KEEP_EVENTS` ids: followers
(:mod:`arcforge.store.feed`) only ever need the newest ones. SQLite serialises writers, so
ids are committed in increasing order there and a follower may read "everything after the
last id it saw"; PostgreSQL followers fetch the ids they are notified of.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from arcforge.store.engine import StoreBase, now
from arcforge.store.schema import MAX_NAME, LiveEvent
from arcforge.store.views import StoredEvent

CHANNEL = "arcforge_events"  # PostgreSQL NOTIFY channel; the payload is the event's id
KEEP_EVENTS = 10_000
PRUNE_CHANCE = 0.01  # the share of appends that also delete the events past KEEP_EVENTS


def event_view(row: LiveEvent) -> StoredEvent:
    return StoredEvent(row.id, row.task_id, row.author, json.loads(row.payload), row.created_at)


class EventRepository(StoreBase):
    def append_event(self, task_id: str, payload: dict[str, Any],
                     author: str | None = None) -> int:
        """Store one live event (``payload``, a JSON object, as pages get it) about a task;
        ``author`` is a trace's author. Returns its id."""
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))

        def run(session: Session) -> int:
            row = LiveEvent(created_at=now(), task_id=task_id[:MAX_NAME],
                            author=None if author is None else author[:MAX_NAME], payload=text)
            session.add(row)
            session.flush()
            if session.get_bind().dialect.name == "postgresql":
                session.execute(select(func.pg_notify(CHANNEL, str(row.id))))
            if random.random() < PRUNE_CHANCE:
                session.execute(delete(LiveEvent).where(LiveEvent.id <= row.id - KEEP_EVENTS))
            return row.id

        return self.transact(run)

    def last_event_id(self) -> int:
        """The newest event's id (0 when there is none)."""
        with self.reading() as session:
            return session.scalar(select(func.max(LiveEvent.id))) or 0

    def events_after(self, after: int, limit: int = 500) -> list[StoredEvent]:
        """Events with an id above ``after``, oldest first (at most ``limit``)."""
        query = select(LiveEvent).where(LiveEvent.id > after).order_by(LiveEvent.id).limit(limit)
        with self.reading() as session:
            return [event_view(r) for r in session.scalars(query)]

    def events_by_id(self, ids: Iterable[int]) -> list[StoredEvent]:
        """These events (those still kept), in the order of ``ids``."""
        wanted: Sequence[int] = list(dict.fromkeys(ids))
        if not wanted:
            return []
        with self.reading() as session:
            rows = {r.id: event_view(r)
                    for r in session.scalars(select(LiveEvent).where(LiveEvent.id.in_(wanted)))}
        return [rows[i] for i in wanted if i in rows]
