"""Adaptive concurrency: how many requests may be on the wire at once.

The limit starts at ``--concurrency``. Every rejected request (HTTP 429) lowers it by one,
so a burst of n rejections lowers it by n, about the amount the server was over its
capacity. Every success raises it by 1/limit (about one per round trip of a full window);
within one of the level where requests were last rejected it probes four times more
slowly, so a server at capacity sees few rejections. The limit stays between 1 and the
starting value. Retries wait ahead of first tries (they have waited longest); otherwise
first come, first served.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator


class AdaptiveLimiter:
    def __init__(self, limit: int, minimum: int = 1) -> None:
        if limit < 1:
            raise ValueError(f"concurrency must be at least 1, got {limit}")
        self.maximum = limit
        self.minimum = max(1, min(minimum, limit))
        self.limit = float(limit)
        self.in_flight = 0
        self.rejections = 0
        self._ceiling = float("inf")  # the limit at the last rejection
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def current(self) -> int:
        """The whole number of requests allowed on the wire now."""
        return max(self.minimum, int(self.limit))

    @contextlib.asynccontextmanager
    async def slot(self, retry: bool = False) -> AsyncIterator[None]:
        await self._acquire(retry)
        try:
            yield
        finally:
            self.in_flight -= 1
            self._wake()

    async def _acquire(self, retry: bool) -> None:
        if not self._waiters and self.in_flight < self.current:
            self.in_flight += 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if retry:
            self._waiters.appendleft(future)
        else:
            self._waiters.append(future)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.in_flight -= 1  # granted just before the cancellation: give it back
                self._wake()
            else:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(future)
            raise

    def _wake(self) -> None:
        while self._waiters and self.in_flight < self.current:
            future = self._waiters.popleft()
            if not future.done():
                self.in_flight += 1
                future.set_result(None)

    def rate_limited(self) -> None:
        self.rejections += 1
        self._ceiling = self.limit
        self.limit = max(float(self.minimum), self.limit - 1.0)

    def succeeded(self) -> None:
        if self.limit < self.maximum:
            step = 1.0 / self.limit
            if self.limit + 1.0 >= self._ceiling:
                step /= 4
            self.limit = min(float(self.maximum), self.limit + step)
            self._wake()
