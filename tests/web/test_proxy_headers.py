"""Forwarded headers (X-Forwarded-For/-Proto) count only when the server is told to trust them.

Otherwise a client could name another address in every request and never meet the
per-address login limit."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn

import arcforge.web
from arcforge.web import serve, server_options
from arcforge.web.app import create_app
from arcforge.web.settings import WebSettings

from .test_serve import free_port, run_cli

pytestmark = pytest.mark.timeout(120)


@contextmanager
def live_server(settings: WebSettings) -> Iterator[str]:
    """The studio under uvicorn with the options ``serve`` gives it, on 127.0.0.1."""
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                            log_level="warning", **server_options(settings))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def failed_logins(base: str, n: int) -> list[int]:
    """Statuses of ``n`` failed logins, each naming another client address and user."""
    statuses = []
    with httpx.Client(base_url=base, timeout=10) as c:
        token = {"X-CSRF-Token": c.get("/api/me").json()["csrf_token"]}
        for i in range(n):
            r = c.post("/api/auth/login", json={"username": f"who{i}", "password": "nope nope"},
                       headers={**token, "X-Forwarded-For": f"203.0.113.{i + 1}"})
            statuses.append(r.status_code)
    return statuses


def test_forwarded_addresses_are_ignored_by_default(settings: WebSettings) -> None:
    assert settings.trust_proxy_headers is False
    with live_server(settings) as base:  # login_limit_per_ip is 6 in these settings
        assert failed_logins(base, 8) == [401] * 6 + [429] * 2


def test_a_trusted_proxy_names_the_client_address(settings: WebSettings) -> None:
    with live_server(settings.model_copy(update=dict(trust_proxy_headers=True))) as base:
        assert failed_logins(base, 8) == [401] * 8  # eight clients behind the proxy


def test_serve_and_the_cli_trust_forwarded_headers_only_when_asked(
    settings: WebSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: runs.append(kw))
    serve(data=settings.data, store_url=settings.store_url)
    serve(data=settings.data, store_url=settings.store_url, proxy_headers=True)
    assert [kw["proxy_headers"] for kw in runs] == [False, True]

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(arcforge.web, "serve", lambda *a, **kw: calls.append(kw))
    assert run_cli("serve")[0] == 0
    assert run_cli("serve", "--proxy-headers")[0] == 0
    assert [kw["proxy_headers"] for kw in calls] == [None, True]  # None: the settings decide
    assert calls[0]["studio"].trust_proxy_headers is False
