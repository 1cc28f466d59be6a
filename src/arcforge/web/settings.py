"""Settings of one studio server: where its data, store and runs are, and its limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from arcforge.data.bundled import BUNDLED
from arcforge.store.attempts import AttemptRules

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
    # logins: attempts per account and client address, and per client address, per window;
    # a login that succeeds is not counted. No limit on an account alone: nobody can lock
    # someone else out.
    login_limit_per_account: int = 10
    login_limit_per_ip: int = 50
    login_window_s: float = 300.0
    signup_limit_per_ip: int = 5  # accounts created per client address per window
    signup_window_s: float = 3600.0
    # attempts per person and hidden test output (every version asking for it shares them)
    study_per_output: int = 2
    practice_per_output: int = 20
    practice_per_hour: int = 60  # practice attempts per person an hour, on all tasks
    preview_limit: int = 120  # variation previews per person (or client address) per window
    preview_window_s: float = 60.0
    versions_per_user: int = 20  # versions one person may create of one task
    versions_page: int = 50  # versions listed in a task's answer (the rest: /versions)
    trust_proxy_headers: bool = False  # honour X-Forwarded-Proto / X-Forwarded-For
    static_dir: Path = field(default_factory=lambda: Path(__file__).parent / "static")

    @property
    def attempt_rules(self) -> AttemptRules:
        return AttemptRules(self.study_per_output, self.practice_per_output,
                            self.practice_per_hour)
