"""The studio: a multi-user web app to solve, vary and trace ARC tasks and to view runs.

:func:`serve` runs it; :func:`arcforge.web.app.create_app` builds the ASGI app.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from arcforge.config import StudioSettings
from arcforge.web.settings import DEFAULT_SOURCES, WebSettings

__all__ = ["WebSettings", "serve", "server_options"]

WS_MAX_MESSAGE = 64 * 1024  # a subscribe message lists at most 100 ids


def server_options(settings: WebSettings) -> dict[str, Any]:
    """The uvicorn options of the studio for these settings.

    ``X-Forwarded-For``/``X-Forwarded-Proto`` are honoured (from 127.0.0.1, uvicorn's
    ``forwarded_allow_ips`` default) only with ``trust_proxy_headers``: otherwise any client
    could name another address in each request and slip past the per-address login limit.
    """
    return {
        "ws": "websockets-sansio",
        "ws_max_size": WS_MAX_MESSAGE,
        "proxy_headers": settings.trust_proxy_headers,
    }


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    data: str | Sequence[str] | None = None,
    store_url: str | None = None,
    runs_dir: str | Path | None = None,
    private: bool | None = None,
    proxy_headers: bool | None = None,
    studio: StudioSettings | None = None,
) -> None:
    """Import the data into the store and serve the studio until interrupted (blocking).

    ``data`` is one ``--data`` spec or several (default: the four bundled sets).
    ``studio`` holds the rules and limits (default: :func:`arcforge.config.load_settings`);
    ``private`` and ``proxy_headers`` (trust ``X-Forwarded-*`` from a reverse proxy on
    127.0.0.1), when given, override it.
    """
    import logging

    import uvicorn

    from arcforge.web.app import create_app

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s:     %(message)s"))
    web_log = logging.getLogger("arcforge.web")
    web_log.addHandler(handler)
    web_log.setLevel(logging.INFO)

    specs = (data,) if isinstance(data, str) else tuple(data or DEFAULT_SOURCES)
    if studio is None:
        from arcforge.config import load_settings

        studio = load_settings().studio
    flags = {"private": private, "trust_proxy_headers": proxy_headers}
    studio = studio.model_copy(update={k: v for k, v in flags.items() if v is not None})
    settings = WebSettings.from_studio(
        studio, store_url=store_url, data=specs,
        runs_dir=Path(runs_dir) if runs_dir is not None else None,
    )
    app = create_app(settings)
    uvicorn.run(app, host=host, port=port, log_level="info", **server_options(settings))
