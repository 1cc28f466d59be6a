"""The studio: a multi-user web app to solve, vary and trace ARC tasks and to view runs.

:func:`serve` runs it; :func:`arcforge.web.app.create_app` builds the ASGI app.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from arcforge.config import StudioSettings
from arcforge.errors import UsageError
from arcforge.web.settings import DEFAULT_SOURCES, WebSettings

__all__ = ["WebSettings", "serve", "server_options"]

WS_MAX_MESSAGE = 64 * 1024  # a subscribe message lists at most 100 ids


def server_options(settings: WebSettings, forwarded_allow_ips: str | None = None
                   ) -> dict[str, Any]:
    """The uvicorn options of the studio for these settings.

    ``X-Forwarded-For``/``X-Forwarded-Proto`` are honoured only with
    ``trust_proxy_headers``, and only from ``forwarded_allow_ips`` (comma-separated
    addresses of the proxies; default ``$FORWARDED_ALLOW_IPS``, else 127.0.0.1): otherwise
    any client could name another address in each request and slip past the per-address
    login limit.
    """
    options: dict[str, Any] = {
        "ws": "websockets-sansio",
        "ws_max_size": WS_MAX_MESSAGE,
        "proxy_headers": settings.trust_proxy_headers,
    }
    if forwarded_allow_ips is not None:
        options["forwarded_allow_ips"] = forwarded_allow_ips
    return options


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    data: str | Sequence[str] | None = None,
    store_url: str | None = None,
    runs_dir: str | Path | None = None,
    private: bool | None = None,
    proxy_headers: bool | None = None,
    studio: StudioSettings | None = None,
    workers: int = 1,
    forwarded_allow_ips: str | None = None,
) -> None:
    """Import the data into the store and serve the studio until interrupted (blocking).

    ``data`` is one ``--data`` spec or several (default: the four bundled sets).
    ``studio`` holds the rules and limits (default: :func:`arcforge.config.load_settings`);
    ``private`` and ``proxy_headers`` (trust ``X-Forwarded-*`` from a reverse proxy on
    127.0.0.1, or from ``forwarded_allow_ips``), when given, override it. ``workers`` > 1
    runs that many server processes on the port (:mod:`arcforge.web.workers`).
    """
    import uvicorn

    from arcforge.web.workers import APP, MAX_WORKERS, log_to_stderr, prepare

    if not 1 <= workers <= MAX_WORKERS:
        raise UsageError(f"workers: {workers} is not between 1 and {MAX_WORKERS}")
    log_to_stderr()

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
    options = server_options(settings, forwarded_allow_ips)
    if workers > 1:
        prepare(settings)
        uvicorn.run(APP, factory=True, workers=workers, host=host, port=port, log_level="info",
                    **options)
        return
    from arcforge.web.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", **options)
