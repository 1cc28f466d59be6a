"""Fixtures of the bench tests: the fake model server and settings pointing at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from arcforge.config import Settings, load_settings
from fakeserver import FakeServer

from .helpers import make_tasks


@pytest.fixture
def fake_server() -> Iterator[FakeServer]:
    """A fake OpenAI-compatible server on 127.0.0.1 (configure it before requests arrive)."""
    with FakeServer() as server:
        yield server


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work in an empty folder with no ARCFORGE_* or provider keys from the environment."""
    import os

    for name in list(os.environ):
        if name.startswith("ARCFORGE_") or name.endswith("_API_KEY"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def make_settings(isolated: Path, fake_server: FakeServer) -> Callable[..., Settings]:
    """Settings for the fake server with fast retries; keyword arguments override."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "model": "openai-compatible/fake-model",
            "base_url": fake_server.url,
            "out": str(isolated / "runs"),
            "concurrency": 4,
            "backoff_base_s": 0.01,
            "backoff_max_s": 0.05,
            "request_timeout_s": 5.0,
            "max_retries": 3,
        }
        values.update(overrides)
        return load_settings(overrides=values, env_file=None)

    return make


@pytest.fixture
def tasks_file(isolated: Path) -> Callable[[int], Path]:
    """Write n small tasks as a dataset.json; return its path."""
    import json

    def write(n: int) -> Path:
        path = isolated / "dataset.json"
        path.write_text(json.dumps([t.to_dict() for t in make_tasks(n)]))
        return path

    return write
