"""Live events: WebSocket subscribers per task id, fed from request handlers.

Handlers may run in worker threads; :meth:`Hub.publish` is thread-safe and hands each
event to a subscriber's queue on the event loop that serves its connection, if the event's
audience (decided by :mod:`arcforge.web.visibility` from the subscriber's session) admits it.
A subscriber that falls more than :data:`QUEUE_SIZE` events behind is disconnected rather
than slowing the others.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable
from typing import Any

Audience = Callable[[str | None], bool]  # session token -> may this subscriber get the event

QUEUE_SIZE = 256
MAX_SUBSCRIPTIONS = 100


class Subscriber:
    """One WebSocket connection: the task ids it follows and its outgoing queue."""

    def __init__(self, loop: asyncio.AbstractEventLoop, session: str | None = None) -> None:
        self.loop = loop
        self.session = session  # the connection's session cookie, read when events are sent
        self.task_ids: frozenset[str] = frozenset()
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(QUEUE_SIZE)
        self.overflowed = False

    def offer(self, event: dict[str, Any] | None) -> None:
        """Queue an event (call on the subscriber's loop); on overflow queue only a stop."""
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(None)  # tells the sender to close the connection


class Hub:
    """Routes events of a task to the subscribers following it (one server process)."""

    def __init__(self) -> None:
        self._subscribers: set[Subscriber] = set()
        self._lock = threading.Lock()

    def add(self, session: str | None = None) -> Subscriber:
        """A new subscriber served by the running event loop, signed in with ``session``."""
        sub = Subscriber(asyncio.get_running_loop(), session)
        with self._lock:
            self._subscribers.add(sub)
        return sub

    def remove(self, sub: Subscriber) -> None:
        with self._lock:
            self._subscribers.discard(sub)

    def subscribe(self, sub: Subscriber, task_ids: Iterable[str]) -> None:
        """Follow exactly these task ids from now on."""
        sub.task_ids = frozenset(task_ids)

    def sessions_following(self, task_ids: Iterable[str]) -> set[str | None]:
        """The session tokens of the subscribers following any of these tasks."""
        wanted = frozenset(task_ids)
        with self._lock:
            return {s.session for s in self._subscribers if s.task_ids & wanted}

    @property
    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subscribers)

    def publish(self, event: dict[str, Any], audience: Audience) -> None:
        """Send ``event`` (naming a ``task_id``) to its subscribers in ``audience``; callable
        from any thread (not from an event loop: the audience may ask the store)."""
        task_id = event.get("task_id")
        with self._lock:
            following = [s for s in self._subscribers if task_id in s.task_ids]
        targets = [s for s in following if audience(s.session)]
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        for sub in targets:
            if sub.loop is running:
                sub.offer(event)
                continue
            try:
                sub.loop.call_soon_threadsafe(sub.offer, event)
            except RuntimeError:  # that loop closed meanwhile (connection gone)
                continue
