"""The studio's shared state for one server process, kept on ``app.state.studio``."""

from __future__ import annotations

from dataclasses import dataclass, field

from arcforge.store import Store
from arcforge.web.hub import Hub
from arcforge.web.ratelimit import RateLimiter
from arcforge.web.runviews import RunViews
from arcforge.web.security import Signer
from arcforge.web.settings import WebSettings
from arcforge.web.sources import Source


@dataclass
class Studio:
    settings: WebSettings
    store: Store
    signer: Signer
    sources: list[Source]
    runs: RunViews
    login_by_user: RateLimiter
    login_by_ip: RateLimiter
    practice_attempts: RateLimiter  # per user, task and test input
    hub: Hub = field(default_factory=Hub)
