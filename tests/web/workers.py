"""``arcforge serve --workers N`` in a real process for the multi-process tests, and which
worker serves a connection (read from ``/proc``: the worker holding the server side of it).

Connections to the one port go to whichever worker accepts them first;
:meth:`Workers.clients` opens connections until each worker has its share, so that a test
knows its requests reach every process.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from arcforge.store import Store
from arcforge.web.security import SESSION_COOKIE, hash_password

from .conftest import PASSWORD, write_tasks
from .test_serve import ARCFORGE, env, free_port, stop

READY = "Application startup complete."


def _socket_inodes(pid: int) -> set[int]:
    found = set()
    with contextlib.suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:["):
                    found.add(int(link[8:-1]))
    return found


def _server_side(port: int, client_port: int) -> int | None:
    """The inode of the server's socket of the connection from ``client_port``."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as fh:
            for line in fh.readlines()[1:]:
                cols = line.split()
                local, remote = cols[1].rsplit(":", 1)[1], cols[2].rsplit(":", 1)[1]
                if int(local, 16) == port and int(remote, 16) == client_port:
                    return int(cols[9])
    return None


def _cmdline(pid: int) -> bytes:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/cmdline", "rb") as fh:
        return fh.read()
    return b""


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError), open(f"/proc/{entry}/stat") as fh:
                if int(fh.read().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry))
    return found


@dataclass
class Workers:
    """A running ``arcforge serve --workers N`` on 127.0.0.1."""

    proc: subprocess.Popen[str]
    port: int
    log: Path
    store: Store
    sessions: dict[str, str] = field(default_factory=dict)  # username -> session token

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def started(self) -> int:
        """How many workers have started so far (restarts included)."""
        return self.log.read_text(errors="replace").count(READY)

    def pids(self) -> list[int]:
        """The worker processes (not multiprocessing's resource tracker)."""
        return sorted(p for p in children(self.proc.pid) if b"spawn_main" in _cmdline(p))

    def worker_of(self, client_port: int) -> int:
        """The pid of the worker serving the connection from ``client_port``."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            inode = _server_side(self.port, client_port)
            if inode is not None:
                for pid in self.pids():
                    if inode in _socket_inodes(pid):
                        return pid
            time.sleep(0.02)
        raise AssertionError(f"no worker serves the connection from port {client_port}")

    def login(self, name: str, role: str = "user") -> str:
        """A person with a session made in the store (no password round trip)."""
        user = self.store.create_user(name, role=role, password_hash=hash_password(PASSWORD))
        self.sessions[name] = self.store.start_session(user.id, 3600)
        return self.sessions[name]

    def client(self, name: str | None = None) -> tuple[httpx.Client, dict[str, str], int]:
        """A new connection (as ``name``): the client, its CSRF header, its worker's pid."""
        cookies = {SESSION_COOKIE: self.sessions[name]} if name else {}
        c = httpx.Client(base_url=self.base, cookies=cookies, timeout=30)
        r = c.get("/api/me")
        assert r.status_code == 200, r.text
        port = r.extensions["network_stream"].get_extra_info("client_addr")[1]
        return c, {"X-CSRF-Token": r.json()["csrf_token"]}, self.worker_of(port)

    def clients(self, names: list[str | None]) -> list[tuple[httpx.Client, dict[str, str]]]:
        """A connection per name, as many on each worker as the names allow (half each of
        two workers), each ready for its request."""
        per_worker = -(-len(names) // len(self.pids()))
        taken: dict[int, int] = {}
        out: list[tuple[httpx.Client, dict[str, str]]] = []
        for _ in range(40 * len(names)):
            if len(out) == len(names):
                return out
            c, token, pid = self.client(names[len(out)])
            if taken.get(pid, 0) >= per_worker:
                c.close()
                continue
            taken[pid] = taken.get(pid, 0) + 1
            out.append((c, token))
        raise AssertionError(f"connections did not spread over the workers: {taken}")

    def page(self, name: str, task_id: str) -> tuple[ClientConnection, int]:
        """A page's WebSocket as ``name``, subscribed to ``task_id``, and its worker's pid."""
        ws = connect(self.base.replace("http", "ws") + "/api/ws", origin=self.base, legacy=True,
                     open_timeout=10,
                     additional_headers={"Cookie": f"{SESSION_COOKIE}={self.sessions[name]}"})
        ws.send(json.dumps({"subscribe": [task_id]}))
        assert json.loads(ws.recv(timeout=10))["type"] == "subscribed"
        return ws, self.worker_of(ws.socket.getsockname()[1])

    def pages(self, name: str, task_id: str) -> dict[int, ClientConnection]:
        """One page on each worker, by the worker's pid."""
        found: dict[int, ClientConnection] = {}
        for _ in range(60):
            ws, pid = self.page(name, task_id)
            if pid in found:
                ws.close()
            else:
                found[pid] = ws
            if len(found) == len(self.pids()):
                return found
        raise AssertionError("no page reached every worker")

    def stop_worker(self, pid: int) -> None:
        """Stop one worker as an operator would (SIGTERM); the supervisor starts another."""
        before = self.started()
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 60
        while self.started() == before or pid in self.pids():
            assert time.monotonic() < deadline, "the worker was not replaced"
            time.sleep(0.1)


def events(ws: ClientConnection, count: int, timeout: float = 30) -> list[dict[str, Any]]:
    """The next ``count`` events of a page (fails when they do not all come in time)."""
    got = []
    deadline = time.monotonic() + timeout
    while len(got) < count:
        left = deadline - time.monotonic()
        assert left > 0, f"{len(got)} of {count} events came"
        got.append(json.loads(ws.recv(timeout=left)))
    return got


@contextlib.contextmanager
def serving_workers(tmp_path: Path, store: Store, store_url: str, *flags: str,
                    workers: int = 2, **extra_env: str) -> Iterator[Workers]:
    """``arcforge serve --workers N`` on ``store_url``, once every worker has started."""
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [ARCFORGE, "serve", "--workers", str(workers), "--port", str(port), "--data",
             str(write_tasks(tmp_path / "tasks")), "--store", store_url, *flags],
            env={**env(tmp_path), **extra_env}, stdout=out, stderr=subprocess.STDOUT,
            text=True, cwd=tmp_path, start_new_session=True,
        )
    running = Workers(proc, port, log, store)
    try:
        deadline = time.monotonic() + 120
        while running.started() < workers:
            if proc.poll() is not None:
                pytest.fail(f"arcforge serve exited with {proc.returncode}:\n{log.read_text()}")
            assert time.monotonic() < deadline, f"workers did not start:\n{log.read_text()}"
            time.sleep(0.1)
        yield running
    finally:
        stop(proc, timeout=30)
