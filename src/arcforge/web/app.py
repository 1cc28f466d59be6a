"""The studio's FastAPI application: :func:`create_app` builds it from :class:`WebSettings`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from arcforge import __version__
from arcforge.errors import ArcforgeError
from arcforge.store import Store, open_store
from arcforge.store.paths import sqlite_file
from arcforge.web.api import (
    attempts,
    auth,
    descriptions,
    exports,
    live,
    runs,
    tasks,
    traces,
    variations,
)
from arcforge.web.deps import csrf_protect
from arcforge.web.errors import (
    SafeJSONResponse,
    arcforge_error,
    database_error,
    http_error,
    reject_invalid_text,
    validation_error,
)
from arcforge.web.headers import SecurityHeaders
from arcforge.web.pages import router as pages_router
from arcforge.web.run_viewer import RunViewer
from arcforge.web.secret import signing_key
from arcforge.web.security import Signer
from arcforge.web.settings import WebSettings
from arcforge.web.sources import import_sources
from arcforge.web.state import Studio

log = logging.getLogger("arcforge.web")


def _offline_docs(app: FastAPI) -> None:
    """OpenAPI docs at /docs with Swagger UI from the swagger-ui-bundle package, not a CDN."""
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/docs-assets", StaticFiles(directory=str(swagger_ui_path)), "docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="data:,",
        )


def _warn_if_shared(store: Store) -> None:
    """New SQLite stores are 0600; say so when an older one can be read by others."""
    path = sqlite_file(store.url)
    if path is not None and path.exists() and path.stat().st_mode & 0o077:
        log.warning("%s can be read by other users, yet it holds password hashes and every "
                    "answer: chmod 600 it (and its -wal and -shm files)", path)


def create_app(settings: WebSettings) -> FastAPI:
    """Open the store, import the data sources into it and return the studio's app."""
    store = open_store(settings.store_url)
    _warn_if_shared(store)
    try:
        secret = signing_key(store, settings.secret_key, settings.secret_file)
        sources = import_sources(store, settings.data)
    except BaseException:
        store.dispose()
        raise
    studio = Studio(
        settings=settings,
        store=store,
        signer=Signer(secret),
        sources=sources,
        runs=RunViewer(store, settings.runs_dir),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        studio.relay.start()  # live events of every process sharing the store
        try:
            yield
        finally:
            studio.relay.stop()
            store.dispose()

    app = FastAPI(
        title="arcforge studio",
        version=__version__,
        description="Solve, vary and trace ARC tasks; view bench runs. "
        "State-changing requests need the X-CSRF-Token header from GET /api/me.",
        max_body_size=settings.max_body_bytes,
        lifespan=lifespan,
        docs_url=None,  # served below from local files: the studio works offline
        redoc_url=None,
        default_response_class=SafeJSONResponse,
    )
    app.state.studio = studio
    guards = [Depends(reject_invalid_text), Depends(csrf_protect)]
    for module in (auth, tasks, attempts, descriptions, variations, traces, runs, exports):
        app.include_router(module.router, dependencies=guards)
    app.include_router(live.router)
    app.include_router(pages_router)
    app.mount("/static", StaticFiles(directory=settings.static_dir, check_dir=False), "static")
    _offline_docs(app)
    # errors become JSON answers here (unknown task or version: 404), so routes only catch
    # what they answer differently
    app.add_exception_handler(ArcforgeError, arcforge_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    for lost in (OperationalError, InterfaceError, SQLAlchemyTimeoutError):  # 503, not 500
        app.add_exception_handler(lost, database_error)
    app.add_middleware(SecurityHeaders)
    return app
