"""Migrations: an empty store, an existing store at the first revision, a newer store."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from arcforge.cli import app
from arcforge.store import StoreError, open_store
from arcforge.store.engine import alembic_config, head_revision, make_engine
from arcforge.store.store import Store


def test_empty_store_is_created_at_head(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'deep' / 'folder' / 'new.db'}"
    store = open_store(url)
    try:
        assert store.revision() == head_revision()
        tables = set(inspect(store.engine).get_table_names())
        assert {"users", "tasks", "task_versions", "traces", "votes", "attempts", "runs"} <= tables
    finally:
        store.dispose()


def test_existing_store_at_first_revision_upgrades_with_its_data(tmp_path: Path) -> None:
    url = make_url(f"sqlite:///{tmp_path / 'old.db'}")
    engine = make_engine(url)
    command.upgrade(alembic_config(engine), "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (username, name_key, role, kind, imported, created_at) "
                "VALUES ('Ann', 'ann', 'user', 'human', 0, 1.5)"
            )
        )
        conn.execute(text("INSERT INTO tasks (id, created_at) VALUES ('aa11', 1.5)"))
        conn.execute(
            text(
                "INSERT INTO traces (trace_id, task_id, task_version, author_id, source, text, "
                "text_hash, created_at, score_base, score, removed) "
                "VALUES ('t1', 'aa11', 0, 1, 'human', 'an idea', 'x', 1.5, 2, 2, 0)"
            )
        )
    indexes = {i["name"] for i in inspect(engine).get_indexes("traces")}
    assert "ix_traces_task_id_task_version_score" not in indexes
    engine.dispose()
    result = CliRunner().invoke(app, ["store", "upgrade", "--store", str(url)])
    assert result.exit_code == 0, result.output
    assert "from 0001 to 0002" in " ".join(result.output.split())
    store = open_store(str(url))
    try:
        indexes = {i["name"] for i in inspect(store.engine).get_indexes("traces")}
        assert "ix_traces_task_id_task_version_score" in indexes
        [trace] = store.list_traces("aa11")
        assert (trace.author, trace.text, trace.score) == ("Ann", "an idea", 2)
        ann = store.get_user_by_name("ANN")
        assert ann is not None
        assert store.vote(trace.id, ann.id, 1).score == 3
    finally:
        store.dispose()
    result = CliRunner().invoke(app, ["store", "upgrade", "--store", str(url)])
    assert "already at revision 0002" in " ".join(result.output.split())


def test_store_from_a_newer_arcforge_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    open_store(url).dispose()
    store = Store(make_url(url), make_engine(make_url(url)))
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    store.dispose()
    with pytest.raises(StoreError, match=r"revision 9999.*newer arcforge"):
        open_store(url)


def test_unusable_location_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreError, match="cannot create its folder"):
        open_store(str(blocker / "sub" / "store.db"))
    not_db = tmp_path / "not.db"
    not_db.write_text("this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot open"):
        open_store(str(not_db))
