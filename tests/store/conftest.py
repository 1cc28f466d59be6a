"""Fixtures: a fresh SQLite store file per test, and a few small tasks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from arcforge.store import Store, open_store
from arcforge.tasks import Task, parse_task

# a real legacy trace store (259 traces, 108 tasks), kept with the tests so that a clone
# runs them on its own
REFERENCE = Path(__file__).resolve().parents[1] / "fixtures" / "legacy_traces_store.json"


@pytest.fixture(autouse=True)
def _private_default_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test that forgets --store writes below its own folder, never the user's store."""
    monkeypatch.delenv("ARCFORGE_STORE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store_url(request: pytest.FixtureRequest, store_url: str) -> str:
    """The repository tests run on a SQLite file and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return store_url
    return request.getfixturevalue("pg_cluster").database()


@pytest.fixture
def store(any_store_url: str) -> Iterator[Store]:
    s = open_store(any_store_url)
    yield s
    s.dispose()


def make_task(task_id: str, seed: int = 1, tests: int = 1) -> Task:
    """A small task whose grids are not symmetric, so each rotation gives new content."""
    a = [[seed % 10, 0, 0], [0, 2, 0], [0, 0, 3]]
    b = [[1, seed % 10], [4, 5]]
    data = {
        "train": [{"input": a, "output": b}],
        "test": [{"input": b, "output": a} for _ in range(tests)],
    }
    return parse_task(data, task_id=task_id)
