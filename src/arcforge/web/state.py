"""The studio's shared state for one server process, kept on ``app.state.studio``.

Everything that must hold across processes (sessions, rate limits, attempt counts,
answer unlocks) lives in the store; the hub's live events are this process's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from arcforge.store import Store
from arcforge.web.hub import Hub
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

    @property
    def visibility(self) -> Visibility:
        return self.runs.visibility
