"""Latency of the studio's JSON API and of live events, over real loopback sockets.

The server is the real app (``create_app``) on uvicorn with the four bundled sets imported
into a fresh SQLite store; requests go through one keep-alive ``httpx`` connection. For
each endpoint: p50 and p99 over ``--requests`` calls. Baseline, in the same run: a static
file (``/static/favicon.svg``), the floor of any request on this stack. Live events: the
time from sending a vote until every one of ``--subscribers`` WebSocket clients has the
``trace_voted`` event.

    python benchmarks/bench_studio_api.py [--requests 200] [--traces 200] [--subscribers 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import uvicorn
import websockets
from rich.console import Console
from rich.table import Table

from arcforge.web.app import create_app
from arcforge.web.security import SESSION_COOKIE, hash_password
from arcforge.web.settings import WebSettings

TASK = "007bbfb7"
PASSWORD = "benchmark password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def start_server(settings: WebSettings) -> tuple[uvicorn.Server, str, threading.Thread, object]:
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           ws="websockets-sansio"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server, f"127.0.0.1:{port}", thread, app


def timed(n: int, call: Callable[[int], httpx.Response]) -> list[float]:
    times = []
    for i in range(n):
        start = time.perf_counter()
        r = call(i)
        times.append((time.perf_counter() - start) * 1000)
        r.raise_for_status()
    return times


def page_one_by_one(client: httpx.Client, i: int) -> httpx.Response:
    """A page of the task list, then each task for its thumbnail (the page before the list
    sent thumbnails)."""
    page = client.get("/api/tasks", params={"source": "arc-agi-2/training", "limit": 50,
                                            "offset": (i * 50) % 1000})
    for item in page.json()["items"]:
        client.get(f"/api/tasks/{item['id']}").raise_for_status()
    return page


async def live_fanout(host: str, client: httpx.Client, trace_id: int, headers: dict[str, str],
                      subscribers: int, rounds: int, session: str) -> list[float]:
    """Subscribers signed in as the trace's author (events go only to those who may read
    the trace), each checked against the store as the event is sent."""
    cookie = {"Cookie": f"{SESSION_COOKIE}={session}"}
    conns = [await websockets.connect(f"ws://{host}/api/ws", additional_headers=cookie)
             for _ in range(subscribers)]
    try:
        for ws in conns:
            await ws.send(json.dumps({"subscribe": [TASK]}))
            assert json.loads(await ws.recv())["type"] == "subscribed"
        loop = asyncio.get_running_loop()
        times = []
        for i in range(rounds):
            value = 1 if i % 2 == 0 else 0
            start = time.perf_counter()
            await loop.run_in_executor(None, lambda v=value: client.post(
                f"/api/traces/{trace_id}/vote", json={"value": v}, headers=headers))
            for ws in conns:
                event = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert event["type"] == "trace_voted"
            times.append((time.perf_counter() - start) * 1000)
        return times
    finally:
        for ws in conns:
            await ws.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--traces", type=int, default=200, help="traces on the measured task")
    parser.add_argument("--subscribers", type=int, default=20)
    args = parser.parse_args()
    console = Console()

    with tempfile.TemporaryDirectory() as tmp:
        # the practice budgets guard against answer probing; the benchmark times the request
        settings = WebSettings(store_url=f"sqlite:///{Path(tmp) / 'bench.db'}",
                               secret_file=Path(tmp) / "key",
                               practice_per_output=10 * args.requests,
                               practice_per_hour=10 * args.requests)
        start = time.perf_counter()
        server, host, thread, app = start_server(settings)
        startup = time.perf_counter() - start
        store = app.state.studio.store  # type: ignore[attr-defined]
        alice = store.create_user("alice", password_hash=hash_password(PASSWORD))
        store.create_user("root", role="admin", password_hash=hash_password(PASSWORD))
        for i in range(args.traces):
            text = f"## Idea {i}\n\nEach **coloured** cell becomes a copy of [it](/task/{TASK})."
            trace = store.add_trace(TASK, 0, alice.id, text)
        with httpx.Client(base_url=f"http://{host}", timeout=30) as client, \
                httpx.Client(base_url=f"http://{host}", timeout=30) as author:
            for browser, name in ((client, "root"), (author, "alice")):  # an admin reads all
                token = browser.get("/api/me").json()["csrf_token"]
                r = browser.post("/api/auth/login", headers={"X-CSRF-Token": token},
                                 json={"username": name, "password": PASSWORD})
            headers = {"X-CSRF-Token": r.json()["csrf_token"]}  # alice's: she practises
            admin_headers = {"X-CSRF-Token": client.get("/api/me").json()["csrf_token"]}
            answer = store.get_version(TASK).content["test"][0]["output"]
            n = args.requests
            rows = [
                ("baseline: GET /static/favicon.svg", timed(n, lambda i: client.get(
                    "/static/favicon.svg"))),
                ("GET /api/me", timed(n, lambda i: client.get("/api/me"))),
                ("GET /api/tasks (arc-agi-2/training, 1000 tasks)", timed(n, lambda i: client.get(
                    "/api/tasks", params={"source": "arc-agi-2/training", "limit": 50,
                                          "offset": (i * 50) % 1000}))),
                ("a page of 50 tasks with thumbnails: GET /api/tasks?thumbnails=true",
                 timed(n, lambda i: client.get("/api/tasks", params={
                     "source": "arc-agi-2/training", "limit": 50, "offset": (i * 50) % 1000,
                     "thumbnails": "true"}))),
                ("the same page as before: GET /api/tasks + 50 x GET /api/tasks/{id}",
                 timed(max(1, n // 10), lambda i: page_one_by_one(client, i))),
                ("GET /api/tasks?has_traces=true", timed(n, lambda i: client.get(
                    "/api/tasks", params={"has_traces": "true"}))),
                (f"GET /api/tasks/{TASK}", timed(n, lambda i: client.get(f"/api/tasks/{TASK}"))),
                (f"GET traces of {TASK} ({args.traces} traces)", timed(n, lambda i: client.get(
                    f"/api/tasks/{TASK}/traces"))),
                ("POST /api/traces/{id}/vote", timed(n, lambda i: client.post(
                    f"/api/traces/{trace.id}/vote", json={"value": 1 - 2 * (i % 2)},
                    headers=admin_headers))),
                ("POST attempt (practice)", timed(n, lambda i: author.post(
                    f"/api/tasks/{TASK}/attempts", headers=headers, json={
                        "version": 0, "test_index": 0, "grid": answer, "mode": "practice",
                        "actions": [{"tool": "edit", "cells": [[0, 0]], "colour": 7,
                                     "t_ms": 10 * k} for k in range(50)]}))),
            ]
            fanout = asyncio.run(live_fanout(host, client, trace.id, admin_headers,
                                             args.subscribers, min(n, 100),
                                             author.cookies[SESSION_COOKIE]))
            rows.append((f"vote -> event at all {args.subscribers} WebSocket subscribers", fanout))
        server.should_exit = True
        thread.join(10)

    table = Table(title=f"studio API on loopback (startup with 4 bundled sets: {startup:.1f} s)")
    for col in ("request", "p50 ms", "p99 ms", "mean ms", "n"):
        table.add_column(col, justify="left" if col == "request" else "right")
    for name, times in rows:
        table.add_row(name, f"{percentile(times, 0.5):.2f}", f"{percentile(times, 0.99):.2f}",
                      f"{statistics.fmean(times):.2f}", str(len(times)))
    console.print(table)


if __name__ == "__main__":
    main()
