"""Live events: WebSocket subscribers per task id, fed from request handlers.

Handlers may run in worker threads; :meth:`Hub.publish` is thread-safe and hands each
event to the subscribers' queues on the server's event loop. A subscriber that falls
more than :data:`QUEUE_SIZE` events behind is disconnected rather than slowing others.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable
from typing import Any

QUEUE_SIZE = 256
MAX_SUBSCRIPTIONS = 100


class Subscriber:
    """One WebSocket connection: the task ids it follows and its outgoing queue."""

    def __init__(self) -> None:
        self.task_ids: frozenset[str] = frozenset()
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(QUEUE_SIZE)
        self.overflowed = False

    def offer(self, event: dict[str, Any] | None) -> None:
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
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Remember the event loop that owns the subscribers' queues."""
        self._loop = loop

    def add(self) -> Subscriber:
        self.bind(asyncio.get_running_loop())
        sub = Subscriber()
        with self._lock:
            self._subscribers.add(sub)
        return sub

    def remove(self, sub: Subscriber) -> None:
        with self._lock:
            self._subscribers.discard(sub)

    def subscribe(self, sub: Subscriber, task_ids: Iterable[str]) -> None:
        sub.task_ids = frozenset(task_ids)

    @property
    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subscribers)

    def publish(self, event: dict[str, Any]) -> None:
        """Send ``event`` (naming a ``task_id``) to its subscribers; callable from any thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return  # nobody has connected yet
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._deliver(event)
        else:
            try:
                loop.call_soon_threadsafe(self._deliver, event)
            except RuntimeError:  # the loop closed meanwhile (server shutting down)
                return

    def _deliver(self, event: dict[str, Any]) -> None:
        task_id = event.get("task_id")
        with self._lock:
            targets = [s for s in self._subscribers if task_id in s.task_ids]
        for sub in targets:
            sub.offer(event)
