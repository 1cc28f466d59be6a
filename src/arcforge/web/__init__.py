"""The studio: a multi-user web app to solve, vary and trace ARC tasks and to view runs.

:func:`serve` runs it; :func:`arcforge.web.app.create_app` builds the ASGI app.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

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
    private: bool = False,
    proxy_headers: bool = False,
) -> None:
    """Import the data into the store and serve the studio until interrupted (blocking).

    ``data`` is one ``--data`` spec or several (default: the four bundled sets).
    ``proxy_headers`` trusts ``X-Forwarded-*`` from a reverse proxy on 127.0.0.1.
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
    settings = WebSettings(
        store_url=store_url,
        data=specs,
        runs_dir=Path(runs_dir) if runs_dir is not None else None,
        private=private,
        trust_proxy_headers=proxy_headers,
    )
    app = create_app(settings)
    uvicorn.run(app, host=host, port=port, log_level="info", **server_options(settings))
