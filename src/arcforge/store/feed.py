"""Following the live events that every server process appends to the store.

An :class:`EventFeed` runs one thread per process and hands each batch of new events, in
order, to a callback. On PostgreSQL it listens on the events channel (``LISTEN``, through the
store's own driver, psycopg) and fetches the ids it is notified of; after a lost connection
it reconnects and catches up. On SQLite it reads the events after the last one it saw every
:data:`POLL_S` seconds, and at once when :meth:`EventFeed.wake` says this process just added
one.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

from arcforge.store.events import CHANNEL
from arcforge.store.store import Store
from arcforge.store.views import StoredEvent

log = logging.getLogger("arcforge.store")

POLL_S = 0.1  # SQLite: how often other processes' events are looked for
LISTEN_TIMEOUT_S = 0.5  # PostgreSQL: how often the thread checks that it should stop
RETRY_S = 1.0  # after a database error
BATCH = 200
GATHER_S = 0.02  # PostgreSQL: after a notice, how long to gather more into its batch

Deliver = Callable[[list[StoredEvent]], None]


class EventFeed:
    """Calls ``deliver(events)`` in a thread of its own for every event appended from now on
    (by any process sharing the store), oldest first."""

    def __init__(self, store: Store, deliver: Deliver) -> None:
        self.store = store
        self.deliver = deliver
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._last = 0  # the newest id handed over
        self._started = threading.Event()

    @property
    def listens(self) -> bool:
        """True on PostgreSQL (LISTEN/NOTIFY), False on SQLite (reading the table)."""
        return self.store.engine.dialect.name == "postgresql"

    def start(self) -> None:
        """Start following; events appended after this call returns are delivered."""
        self._last = self.store.last_event_id()
        target = self._listen if self.listens else self._poll
        self._thread = threading.Thread(target=target, name="arcforge-events", daemon=True)
        self._thread.start()
        self._started.wait(10)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(10)

    def wake(self) -> None:
        """This process just appended an event: look now (SQLite; PostgreSQL is notified)."""
        self._wake.set()

    def _hand_over(self, events: list[StoredEvent]) -> None:
        if not events:
            return
        self._last = max(self._last, events[-1].id)
        try:
            self.deliver(events)
        except Exception:  # one bad delivery must not stop the feed
            log.exception("live events %d-%d could not be delivered", events[0].id,
                          events[-1].id)

    def _catch_up(self) -> set[int]:
        """Hand over every event after the last one handed over; their ids."""
        done: set[int] = set()
        while not self._stop.is_set():
            events = self.store.events_after(self._last, BATCH)
            self._hand_over(events)
            done.update(e.id for e in events)
            if len(events) < BATCH:
                break
        return done

    # --- SQLite: read what is new -----------------------------------------------------------

    def _poll(self) -> None:
        self._started.set()
        while not self._stop.is_set():
            self._wake.wait(POLL_S)
            self._wake.clear()
            try:
                self._catch_up()
            except Exception as exc:
                log.warning("live events: cannot read the store (%s); retrying", exc)
                self._stop.wait(RETRY_S)

    # --- PostgreSQL: LISTEN ---------------------------------------------------------------

    def _connect(self) -> Any:
        """A psycopg connection of its own (outside the pool), in autocommit, listening."""
        raw = self.store.engine.raw_connection()
        conn = raw.driver_connection
        raw.detach()  # closed by this feed, never returned to the pool
        assert conn is not None
        conn.autocommit = True
        conn.execute(f"LISTEN {CHANNEL}")
        return conn

    def _listen(self) -> None:
        conn = None
        caught: set[int] = set()  # read while catching up: their notices may follow
        while not self._stop.is_set():
            try:
                if conn is None:
                    conn = self._connect()
                    if self._started.is_set():  # a reconnection: what came meanwhile
                        caught = self._catch_up()
                    self._started.set()
                ids = [int(n.payload) for n in
                       conn.notifies(timeout=LISTEN_TIMEOUT_S, stop_after=1)]
                if ids:  # and whatever else comes at once: one batch, one look-up each
                    ids += [int(n.payload) for n in conn.notifies(timeout=GATHER_S)]
                    ids = [i for i in ids if i not in caught]
                for start in range(0, len(ids), BATCH):
                    self._hand_over(self.store.events_by_id(ids[start:start + BATCH]))
            except Exception as exc:
                if self._stop.is_set():
                    break
                log.warning("live events: lost the database connection (%s); reconnecting", exc)
                conn = _close(conn)
                self._started.set()
                self._stop.wait(RETRY_S)
        _close(conn)


def _close(conn: Any) -> None:
    if conn is not None:
        with contextlib.suppress(Exception):
            conn.close()
    return None

