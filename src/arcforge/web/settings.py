"""Settings of one studio server: where its data, store and runs are, and its limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from arcforge.data.bundled import BUNDLED

DEFAULT_SOURCES: tuple[str, ...] = tuple(BUNDLED)


@dataclass(frozen=True, slots=True)
class WebSettings:
    """Everything :func:`arcforge.web.app.create_app` needs to build the studio."""

    store_url: str | None = None
    data: tuple[str, ...] = DEFAULT_SOURCES
    runs_dir: Path | None = None
    private: bool = False
    secret_key: str | None = None  # None: read or create a key file beside the store
    secret_file: Path | None = None  # where that key lives (default: beside a SQLite store)
    max_body_bytes: int = 256 * 1024
    session_max_age_s: int = 30 * 24 * 3600
    login_limit_per_user: int = 10  # failed logins per username per window
    login_limit_per_ip: int = 50  # failed logins and signups per client address per window
    login_window_s: float = 300.0
    # practice attempts answer how many cells differ: at most this many per user, task and
    # test input per window, so they cannot be used to find the answer cell by cell
    practice_limit: int = 30
    practice_window_s: float = 600.0
    trust_proxy_headers: bool = False  # honour X-Forwarded-Proto / X-Forwarded-For
    static_dir: Path = field(default_factory=lambda: Path(__file__).parent / "static")
