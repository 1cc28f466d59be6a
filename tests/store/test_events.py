"""Live events in the store, and following them from another process's connection (the feed),
on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from arcforge.store import Store, open_store
from arcforge.store import events as events_module
from arcforge.store.feed import EventFeed
from arcforge.store.views import StoredEvent


class Collected:
    """What a feed delivered, in order."""

    def __init__(self) -> None:
        self.events: list[StoredEvent] = []
        self.changed = threading.Condition()

    def __call__(self, batch: list[StoredEvent]) -> None:
        with self.changed:
            self.events.extend(batch)
            self.changed.notify_all()

    def wait_for(self, count: int, timeout: float = 30) -> list[StoredEvent]:
        with self.changed:
            self.changed.wait_for(lambda: len(self.events) >= count, timeout)
        assert len(self.events) >= count, f"{len(self.events)} of {count} events came"
        return self.events


@pytest.fixture
def other(any_store_url: str, store: Store) -> Iterator[Store]:
    """The same database opened again, as another server process would."""
    second = open_store(any_store_url)
    yield second
    second.dispose()


@pytest.fixture
def followed(other: Store) -> Iterator[tuple[EventFeed, Collected]]:
    got = Collected()
    feed = EventFeed(other, got)
    feed.start()
    yield feed, got
    feed.stop()


def test_events_keep_their_payload_author_and_order(store: Store) -> None:
    first = store.append_event("t1", {"type": "trace_added", "version": 0, "text": "é ✓"}, "ann")
    second = store.append_event("t2", {"type": "variation_signed", "version": 1})
    assert second > first and store.last_event_id() == second
    [a, b] = store.events_after(first - 1)
    assert (a.task_id, a.author, a.payload) == (
        "t1", "ann", {"type": "trace_added", "version": 0, "text": "é ✓"})
    assert (b.id, b.author) == (second, None)
    assert store.events_after(second) == []
    assert [e.id for e in store.events_by_id([second, 10**9, first])] == [second, first]


def test_old_events_are_pruned_and_ids_never_reused(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events_module, "KEEP_EVENTS", 3)
    monkeypatch.setattr(events_module, "PRUNE_CHANCE", 1.0)  # prune at every append
    ids = [store.append_event("t1", {"n": n}) for n in range(6)]
    assert [e.id for e in store.events_after(0)] == ids[-3:]
    with store.writing() as session:
        session.execute(text("DELETE FROM live_events"))
    assert store.append_event("t1", {"n": 6}) > ids[-1]


def test_another_process_gets_every_event_once_in_order(
    store: Store, followed: tuple[EventFeed, Collected]
) -> None:
    _, got = followed

    def write(n: int) -> None:
        for i in range(10):
            store.append_event("t1", {"writer": n, "i": i})

    writers = [threading.Thread(target=write, args=(n,)) for n in range(5)]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    seen = got.wait_for(50)
    time.sleep(0.3)  # nothing more may follow
    assert len(got.events) == 50 and len({e.id for e in seen}) == 50
    for n in range(5):  # each writer's events in the order it wrote them
        assert [e.payload["i"] for e in seen if e.payload["writer"] == n] == list(range(10))


def test_the_feed_reconnects_and_catches_up(
    store: Store, followed: tuple[EventFeed, Collected]
) -> None:
    feed, got = followed
    if not feed.listens:
        pytest.skip("SQLite has no connection to lose: the feed reads the table")
    store.append_event("t1", {"n": 0})
    got.wait_for(1)
    with store.engine.connect() as conn:  # the server drops the feed's connection
        dropped = conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()")).scalars().all()
    assert dropped == [True]
    for n in range(1, 6):  # while it is away
        store.append_event("t1", {"n": n})
    seen = got.wait_for(6)
    store.append_event("t1", {"n": 6})
    seen = got.wait_for(7)
    time.sleep(0.3)
    assert [e.payload["n"] for e in seen] == list(range(7))


def test_a_stopped_feed_delivers_nothing_more(
    store: Store, followed: tuple[EventFeed, Collected]
) -> None:
    feed, got = followed
    feed.stop()
    store.append_event("t1", {"n": 0})
    time.sleep(0.3)
    assert got.events == []
