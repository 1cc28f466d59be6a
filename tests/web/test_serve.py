"""``arcforge serve`` and ``arcforge user`` as a user runs them: real processes, real sockets."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner
from websockets.sync.client import connect

from arcforge.cli import app
from arcforge.errors import ArcforgeError
from arcforge.store import open_store
from arcforge.web.security import verify_password

from .conftest import PASSWORD, write_tasks

pytestmark = pytest.mark.timeout(120)

ARCFORGE = str(Path(sys.executable).with_name("arcforge"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg"), "ARCFORGE_STORE": ""}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with serving(tmp_path) as base:
        yield base
    store = tmp_path / "studio.db"
    key = store.with_name(store.name + ".secret")
    assert key.is_file() and (key.stat().st_mode & 0o777) == 0o600


@contextmanager
def serving(tmp_path: Path, *flags: str, **extra_env: str) -> Iterator[str]:
    """``arcforge serve`` in ``tmp_path`` (its working folder) with ``flags``."""
    port = free_port()
    store = tmp_path / "studio.db"
    proc = subprocess.Popen(
        [ARCFORGE, "serve", "--port", str(port), "--data", str(write_tasks(tmp_path / "tasks")),
         "--store", str(store), "--runs", str(tmp_path), *flags],
        env={**env(tmp_path), **extra_env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, cwd=tmp_path,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"arcforge serve exited with {proc.returncode}:\n{proc.stdout.read()}")
            try:
                if httpx.get(f"{base}/api/me", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("arcforge serve did not answer /api/me")
            time.sleep(0.2)
        yield base
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[str], timeout: float = 20) -> None:
    """Stop a server as Ctrl-C would (SIGTERM), killing its process group if it lingers."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.kill()
        proc.wait()


def test_the_study_protocol_comes_from_file_environment_and_flags(tmp_path: Path) -> None:
    (tmp_path / "arcforge.toml").write_text(
        "[studio]\nstudy_per_output = 5\npractice = false\n")
    quiet = {"ARCFORGE_STUDIO__TRACES_AFTER_SOLVING": "false"}
    with serving(tmp_path, **quiet) as base:
        assert httpx.get(f"{base}/api/me").json()["protocol"] == {
            "study_attempts": 5, "practice": False, "practice_attempts": 20,
            "practice_per_hour": 60, "traces_after_solving": False}
    with serving(tmp_path, "--attempts", "3", "--practice", "--show-traces", **quiet) as base:
        protocol = httpx.get(f"{base}/api/me").json()["protocol"]
        assert (protocol["study_attempts"], protocol["practice"],
                protocol["traces_after_solving"]) == (3, True, True)
    refused = CliRunner().invoke(app, ["serve", "--attempts", "0"])
    assert refused.exit_code != 0 and "--attempts" in refused.output


def test_serve_answers_and_pushes_live_events_over_a_real_socket(server: str) -> None:
    with httpx.Client(base_url=server, timeout=10) as alice:
        me = alice.get("/api/me").json()
        assert me["user"] is None
        signed = alice.post("/api/auth/signup", json={"username": "alice", "password": PASSWORD},
                            headers={"X-CSRF-Token": me["csrf_token"]})
        assert signed.status_code == 201, signed.text
        token = {"X-CSRF-Token": signed.json()["csrf_token"]}
        assert alice.get("/").status_code == 200
        ws_url = server.replace("http://", "ws://") + "/api/ws"
        session = {"Cookie": f"arcforge_session={alice.cookies['arcforge_session']}"}
        with connect(ws_url, origin=server, open_timeout=10, additional_headers=session) as ws:
            ws.send(json.dumps({"subscribe": ["t1"]}))
            assert json.loads(ws.recv(timeout=10))["type"] == "subscribed"
            made = alice.post("/api/tasks/t1/traces", json={"version": 0, "text": "over TCP"},
                              headers=token)
            assert made.status_code == 201
            event = json.loads(ws.recv(timeout=10))  # her own trace: she may read it
            assert event["type"] == "trace_added" and event["trace"]["text"] == "over TCP"


def run_cli(*args: str, stdin: str = "") -> tuple[int, str]:
    """Run a command in this process like ``arcforge`` does: exit code and error output."""
    result = CliRunner().invoke(app, list(args), input=stdin)
    if isinstance(result.exception, ArcforgeError):
        return result.exception.exit_code, str(result.exception)
    return result.exit_code, result.output


def test_user_add_and_passwd(tmp_path: Path) -> None:
    store = str(tmp_path / "users.db")
    code, out = run_cli("user", "add", "root", "--admin", "--password-stdin", "--store", store,
                        stdin=PASSWORD + "\n")
    assert code == 0 and "added admin root" in out
    code, out = run_cli("user", "add", "ROOT", "--password-stdin", "--store", store,
                        stdin=PASSWORD + "\n")
    assert code == 1 and "taken" in out
    code, out = run_cli("user", "add", "a/b", "--password-stdin", "--store", store,
                        stdin=PASSWORD + "\n")
    assert code == 2 and out.startswith("username:")
    code, out = run_cli("user", "passwd", "root", "--password-stdin", "--store", store,
                        stdin="short\n")
    assert code == 2 and out.startswith("password:")
    code, out = run_cli("user", "passwd", "root", "--password-stdin", "--store", store,
                        stdin="a new long password\n")
    assert code == 0, out
    code, out = run_cli("user", "passwd", "nobody", "--password-stdin", "--store", store,
                        stdin="a new long password\n")
    assert code == 1 and "no user" in out
    code, out = run_cli("user", "add", "carol", "--store", store,
                        stdin="typed password\ntyped password\n")  # prompted twice
    assert code == 0, out
    assert "added user carol" in out
    code, out = run_cli("user", "role", "carol", "admin", "--store", store)
    assert code == 0 and "carol is now admin" in out
    code, out = run_cli("user", "role", "carol", "king", "--store", store)
    assert code == 2 and "ROLE" in out
    code, out = run_cli("user", "list", "--store", store)
    assert code == 0 and "carol" in out and "root" in out and "admin" in out
    opened = open_store(store)
    try:
        assert opened.get_user_by_name("carol").role == "admin"
        user = opened.get_user_by_name("root")
        assert user is not None and user.role == "admin"
        assert verify_password(user.password_hash, "a new long password")
        assert not verify_password(user.password_hash, PASSWORD)
        carol = opened.get_user_by_name("carol")
        assert verify_password(carol.password_hash, "typed password")
    finally:
        opened.dispose()
