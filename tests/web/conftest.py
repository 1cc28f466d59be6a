"""Fixtures for the studio API tests: a real SQLite store and a small task folder."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from arcforge.runfiles import SampleRecord
from arcforge.scoring import score_run, write_summary
from arcforge.web import security
from arcforge.web.app import create_app
from arcforge.web.security import hash_password
from arcforge.web.settings import WebSettings

from .runfolders import verdicts, write_run

PASSWORD = "correct horse battery"

# Three small tasks. "t2" has two test inputs; "t3" has a test input without a known output.
TASKS: dict[str, dict[str, Any]] = {
    "t1": {
        "train": [
            {"input": [[1, 0], [0, 0]], "output": [[0, 1], [0, 0]]},
            {"input": [[0, 0], [2, 0]], "output": [[0, 0], [0, 2]]},
        ],
        "test": [{"input": [[3, 0], [0, 0]], "output": [[0, 3], [0, 0]]}],
    },
    "t2": {
        "train": [{"input": [[1, 2, 3]], "output": [[2, 3, 4]]}],
        "test": [
            {"input": [[4, 5, 6]], "output": [[5, 6, 7]]},
            {"input": [[1, 1, 2]], "output": [[2, 2, 3]]},
        ],
    },
    "t3": {
        "train": [{"input": [[5]], "output": [[5, 5]]}],
        "test": [{"input": [[6]]}],
    },
}
# Test outputs that must never appear in a solve-view response.
SECRET_OUTPUTS = [p["output"] for t in TASKS.values() for p in t["test"] if "output" in p]


def write_tasks(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for tid, task in TASKS.items():
        (folder / f"{tid}.json").write_text(json.dumps(task))
    return folder


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2id, with small costs so the suite stays fast on a shared machine."""
    monkeypatch.setattr(security, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every studio test runs on a SQLite file and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'studio.db'}"
    return request.getfixturevalue("pg_cluster").database()


@pytest.fixture
def settings(tmp_path: Path, store_url: str) -> WebSettings:
    return WebSettings(
        store_url=store_url,
        data=(str(write_tasks(tmp_path / "tasks")),),
        runs_dir=tmp_path / "runs",
        secret_file=tmp_path / "studio.secret",
        login_limit_per_account=3,
        login_limit_per_ip=6,
    )


@pytest.fixture
def client(settings: WebSettings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c


def studio(client: TestClient) -> Any:
    return client.app.state.studio  # type: ignore[attr-defined]


def add_user(client: TestClient, name: str, role: str = "user") -> None:
    studio(client).store.create_user(name, role=role, password_hash=hash_password(PASSWORD))


def csrf(client: TestClient) -> dict[str, str]:
    """Headers carrying this client's CSRF token."""
    return {"X-CSRF-Token": client.get("/api/me").json()["csrf_token"]}


def login(client: TestClient, name: str, role: str = "user") -> dict[str, str]:
    """Create ``name`` and log this client in; return headers with the CSRF token."""
    add_user(client, name, role)
    r = client.post("/api/auth/login", json={"username": name, "password": PASSWORD},
                    headers=csrf(client))
    assert r.status_code == 200, r.text
    return {"X-CSRF-Token": r.json()["csrf_token"]}


def second_client(client: TestClient) -> TestClient:
    """Another browser on the same app (own cookies)."""
    return TestClient(client.app)


@pytest.fixture
def code_run(settings: WebSettings) -> Path:
    t1 = TASKS["t1"]
    good = SampleRecord(
        run_id="r-code", kind="code", task_id="t1", task_version=0, sample=0,
        model="builtin/dsl", reasoning="Move every cell **right**.",
        code="def solve_task(grid):\n    return [row[::-1] for row in grid]\n",
        verification=verdicts({
            ("train", 0): ("pass", t1["train"][0]["output"]),
            ("train", 1): ("pass", t1["train"][1]["output"]),
            ("test", 0): ("pass", t1["test"][0]["output"]),
        }),
    )
    bad = SampleRecord(
        run_id="r-code", kind="code", task_id="t1", task_version=0, sample=1,
        model="builtin/dsl", reasoning="Nothing moves.", code="def solve_task(g):\n    return g\n",
        verification=verdicts({
            ("train", 0): ("fail", t1["train"][0]["input"]),
            ("train", 1): ("fail", t1["train"][1]["input"]),
            ("test", 0): ("fail", t1["test"][0]["input"]),
        }),
    )
    failed = SampleRecord(
        run_id="r-code", kind="code", task_id="t2", task_version=0, sample=0,
        model="builtin/dsl", error={"kind": "timeout", "message": "no answer in 30 s"},
    )
    folder = write_run(settings.runs_dir, "r-code", [good, bad, failed],
                       {"t1": TASKS["t1"], "t2": TASKS["t2"]}, kind="code", samples=2,
                       model="builtin/dsl", data="tasks", created_at="2026-11-27T09:00:00Z")
    write_summary(folder, score_run(folder))
    return folder
