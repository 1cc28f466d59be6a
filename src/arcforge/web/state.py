"""The studio's state in one server process, kept on ``app.state.studio``.

Everything that must hold across processes (sessions, rate limits, attempt counts, answer
unlocks, the signing key, live events) lives in the store; what a process keeps for itself
is its connections (the hub), the sources it offers and caches of what does not change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from arcforge.store import Store
from arcforge.web.hub import Hub
from arcforge.web.relay import Relay
from arcforge.web.run_viewer import RunViewer
from arcforge.web.security import Signer
from arcforge.web.settings import WebSettings
from arcforge.web.sources import Source
from arcforge.web.visibility import Visibility


@dataclass
class Studio:
    settings: WebSettings
    store: Store
    signer: Signer
    sources: list[Source]
    runs: RunViewer
    hub: Hub = field(default_factory=Hub)
    easy_tasks: dict[str, list[str]] = field(default_factory=dict)  # onboarding, by source
    relay: Relay = field(init=False)

    def __post_init__(self) -> None:
        self.relay = Relay(self.store, self.hub, self.visibility,
                           self.settings.traces_after_solving, self.settings.private)

    @property
    def visibility(self) -> Visibility:
        return self.runs.visibility
