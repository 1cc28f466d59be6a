"""Rate limits that hold across server processes: fixed-window counters in the database.

Taking a slot is one ``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` statement (SQLite and
PostgreSQL): the count goes up only while it is under the limit (or the window has ended),
so concurrent requests can never take more slots than the limit between them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, delete, or_, select, update
from sqlalchemy.orm import Session

from arcforge.store.engine import StoreBase, now
from arcforge.store.errors import StoreError
from arcforge.store.schema import MAX_LIMIT_KEY, RateLimit

PRUNE_AFTER_S = 2 * 24 * 3600.0  # counters idle this long are deleted (windows are shorter)
_TABLE = RateLimit.__table__


@dataclass(frozen=True, slots=True)
class Bucket:
    """At most ``limit`` events per ``window_s`` seconds under ``key``."""

    key: str
    limit: int
    window_s: float


class LimitReached(StoreError):
    """A bucket is full; ``retry_after`` says in how many seconds it has room again."""

    def __init__(self, bucket: Bucket, retry_after: float) -> None:
        super().__init__(f"{bucket.key}: at most {bucket.limit} in {bucket.window_s:g} s")
        self.bucket = bucket
        self.retry_after = retry_after


def _insert(session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(_TABLE)


def take_slot(session: Session, bucket: Bucket, at: float) -> None:
    """Count one event in ``bucket`` inside the caller's transaction, or raise
    :class:`LimitReached` (counting nothing)."""
    if len(bucket.key) > MAX_LIMIT_KEY:
        raise StoreError(f"rate limit key of {len(bucket.key)} characters")
    ended = _TABLE.c.window_start <= at - bucket.window_s
    statement = (
        _insert(session)
        .values(key=bucket.key, window_start=at, count=1)
        .on_conflict_do_update(
            index_elements=[_TABLE.c.key],
            set_={
                "count": case((ended, 1), else_=_TABLE.c.count + 1),
                "window_start": case((ended, at), else_=_TABLE.c.window_start),
            },
            where=or_(ended, _TABLE.c.count < bucket.limit),
        )
        .returning(_TABLE.c.count)
    )
    if bucket.limit > 0 and session.execute(statement).first() is not None:
        return
    start = session.scalar(select(_TABLE.c.window_start).where(_TABLE.c.key == bucket.key))
    wait = (start if start is not None else at) + bucket.window_s - at
    raise LimitReached(bucket, min(max(wait, 1.0), bucket.window_s))  # clocks of racing writers


class RateLimitRepository(StoreBase):
    def take(self, *buckets: Bucket) -> None:
        """Count one event in every bucket, all or none: :class:`LimitReached` names the
        first full one and nothing is counted."""
        def run(session: Session) -> None:
            at = now()  # read once the transaction has begun
            for bucket in buckets:
                take_slot(session, bucket, at)
            if random.random() < 0.01:
                stale = RateLimit.window_start < at - PRUNE_AFTER_S
                session.execute(delete(RateLimit).where(stale))

        self.transact(run)

    def give_back(self, *keys: str) -> None:
        """Uncount one event of each key (a login that turned out right is not limited)."""

        def run(session: Session) -> None:
            session.execute(
                update(RateLimit)
                .where(RateLimit.key.in_(keys), RateLimit.count > 0)
                .values(count=RateLimit.count - 1)
            )

        self.transact(run)
