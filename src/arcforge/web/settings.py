"""Settings of one studio server: its rules and limits (:class:`arcforge.config.
StudioSettings`, from the one settings system), and where its data, store and runs are."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from arcforge.config import StudioSettings
from arcforge.data.bundled import BUNDLED
from arcforge.store.attempts import AttemptRules

DEFAULT_SOURCES: tuple[str, ...] = tuple(BUNDLED)


class WebSettings(StudioSettings):
    """Everything :func:`arcforge.web.app.create_app` needs to build the studio.

    Change one with ``settings.model_copy(update={...})``."""

    store_url: str | None = None
    data: tuple[str, ...] = DEFAULT_SOURCES
    runs_dir: Path | None = None
    secret_key: str | None = None  # None: read or create a key file beside the store
    secret_file: Path | None = None  # where that key lives (default: beside a SQLite store)
    static_dir: Path = Field(default_factory=lambda: Path(__file__).parent / "static")

    @classmethod
    def from_studio(cls, studio: StudioSettings, **where: object) -> WebSettings:
        """The rules and limits of ``studio`` with the server's places ``where``."""
        return cls(**studio.model_dump(), **where)

    @property
    def attempt_rules(self) -> AttemptRules:
        return AttemptRules(self.study_per_output, self.practice_per_output,
                            self.practice_per_hour)
