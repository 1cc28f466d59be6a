"""Several server processes on one port: ``arcforge serve --workers N``.

uvicorn's supervisor binds the socket, starts ``N`` worker processes that accept on it and
starts a new one when a worker dies. Each worker builds the studio with :func:`worker_app`
from the settings the supervisor leaves in its environment. The supervisor migrates the
store and imports the data once before the workers start, so they only find them ready.
Everything the workers must agree on (sessions, limits, attempts, the signing key, live
events) lives in the store.
"""

from __future__ import annotations

import logging
import os

from fastapi import FastAPI

from arcforge.web.settings import WebSettings

SETTINGS_ENV = "ARCFORGE_STUDIO_WORKER_SETTINGS"  # the WebSettings of the workers, as JSON
APP = "arcforge.web.workers:worker_app"
MAX_WORKERS = 64


def log_to_stderr() -> None:
    """The studio's own log lines (``arcforge.web``), in uvicorn's format."""
    web_log = logging.getLogger("arcforge.web")
    if not web_log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(message)s"))
        web_log.addHandler(handler)
    web_log.setLevel(logging.INFO)


def prepare(settings: WebSettings) -> None:
    """Migrate the store and import the data (failing here, before any worker starts, on
    bad data), then leave the settings for the workers in the environment."""
    from arcforge.store import open_store
    from arcforge.web.secret import signing_key
    from arcforge.web.sources import import_sources

    store = open_store(settings.store_url)
    try:
        signing_key(store, settings.secret_key, settings.secret_file)  # created once
        import_sources(store, settings.data)
    finally:
        store.dispose()
    os.environ[SETTINGS_ENV] = settings.model_dump_json()


def worker_app() -> FastAPI:
    """The studio of one worker process (uvicorn calls this factory in each worker)."""
    from arcforge.web.app import create_app

    raw = os.environ.get(SETTINGS_ENV)
    if raw is None:
        raise RuntimeError(f"{SETTINGS_ENV} is not set: start workers with arcforge serve")
    log_to_stderr()
    return create_app(WebSettings.model_validate_json(raw))
