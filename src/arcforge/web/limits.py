"""Rate limits of the studio's requests, counted in the store (they hold across processes)."""

from __future__ import annotations

import math

from fastapi import HTTPException

from arcforge.store import Store
from arcforge.store.limits import Bucket, LimitReached


def too_many(message: str, retry_after: float | None = None) -> HTTPException:
    """A 429 answer; with ``retry_after``, the message ends with the wait and the header
    ``Retry-After`` gives it in seconds."""
    if retry_after is None:
        return HTTPException(429, message)
    wait = max(1, math.ceil(retry_after))
    return HTTPException(429, f"{message}; try again in {wait} s",
                         headers={"Retry-After": str(wait)})


def take(store: Store, what: str, *buckets: Bucket) -> None:
    """Count one request in every bucket, or answer 429 ("too many <what>") counting none."""
    try:
        store.take(*buckets)
    except LimitReached as exc:
        raise too_many(f"too many {what}", exc.retry_after) from None
