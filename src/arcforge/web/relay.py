"""Live events across server processes: each change is written to the store as an event, and
every process (this one included) sends the events it reads back to its own connections.

:meth:`Relay.send` appends an event once the change it reports is saved. The process's
:class:`arcforge.store.feed.EventFeed` hands each batch of new events, from whichever process
wrote them, to :meth:`Relay.deliver`, which gives every event to the hub with its audience
decided per subscriber by :class:`arcforge.web.visibility.Audiences`: an event never goes
to a connection whose session may not see it, whichever process it came from.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from arcforge.errors import ArcforgeError
from arcforge.store import Store
from arcforge.store.feed import EventFeed
from arcforge.store.views import StoredEvent
from arcforge.web.hub import Hub
from arcforge.web.visibility import Audiences, Visibility

log = logging.getLogger("arcforge.web")


class Relay:
    """Sends this process's events through the store and delivers everyone's to its hub."""

    def __init__(self, store: Store, hub: Hub, visibility: Visibility,
                 open_after_solving: bool, private: bool = False) -> None:
        self.store = store
        self.hub = hub
        self.visibility = visibility
        self.open_after_solving = open_after_solving
        self.private = private  # no event for a connection whose session ended
        self.feed = EventFeed(store, self.deliver)

    def start(self) -> None:
        self.feed.start()

    def stop(self) -> None:
        self.feed.stop()

    def send(self, event: dict[str, Any], author: str | None = None) -> None:
        """Publish ``event`` (it names its ``task_id``) to every process. The change it
        reports is saved already: a failure here is logged, and the request still succeeds
        (pages reload what they show when they reconnect)."""
        try:
            self.store.append_event(event["task_id"], event, author)
        except (ArcforgeError, SQLAlchemyError) as exc:
            log.warning("live event %s of task %s not sent: %s", event.get("type"),
                        event.get("task_id"), exc)
            return
        self.feed.wake()

    def deliver(self, events: list[StoredEvent]) -> None:
        """Give a batch of events to the hub, each to the subscribers allowed to see it."""
        audiences = Audiences(self.visibility, self.store.session_user, self.open_after_solving,
                              self.private)
        tasks = {e.task_id for e in events}
        audiences.prefetch(self.hub.sessions_following(tasks), tasks)
        for event in events:
            self.hub.publish(event.payload, audiences.of(event.payload, event.author))
