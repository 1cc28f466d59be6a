"""A sliding-window counter of events per key (login attempts per name and per address,
practice attempts per user, task and test input)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """At most ``limit`` events per ``window_s`` seconds for each key; thread-safe."""

    def __init__(
        self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _live(self, key: str, now: float) -> deque[float]:
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.window_s:
            events.popleft()
        return events

    def retry_after(self, key: str) -> float:
        """Seconds until ``key`` may act again (0 when it may act now)."""
        with self._lock:
            now = self._clock()
            events = self._live(key, now)
            if len(events) < self.limit:
                if not events:
                    self._events.pop(key, None)
                return 0.0
            return events[0] + self.window_s - now

    def take(self, key: str) -> float:
        """Record one event for ``key`` if it may act now and return 0; otherwise record
        nothing and return the seconds until it may (check and record as one step)."""
        with self._lock:
            now = self._clock()
            events = self._live(key, now)
            if len(events) >= self.limit:
                return events[0] + self.window_s - now
            self._record(events, now)
            return 0.0

    def hit(self, key: str) -> None:
        """Record one event for ``key``."""
        with self._lock:
            now = self._clock()
            self._record(self._live(key, now), now)

    def _record(self, events: deque[float], now: float) -> None:
        events.append(now)
        if len(self._events) > 100_000:  # forget idle keys so memory stays bounded
            horizon = now - self.window_s
            for k in [k for k, v in self._events.items() if not v or v[-1] <= horizon]:
                del self._events[k]

    def reset(self, key: str) -> None:
        with self._lock:
            self._events.pop(key, None)
