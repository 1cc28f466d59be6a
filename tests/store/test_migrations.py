"""Migrations: an empty store, existing stores at older revisions, a newer store."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
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
    assert f"from 0001 to {head_revision()}" in " ".join(result.output.split())
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
    assert f"already at revision {head_revision()}" in " ".join(result.output.split())


OLD_ATTEMPTS = sa.table(
    "attempts",
    *(sa.column(c) for c in ("user_id", "task_id", "task_version", "test_index")),
    sa.column("grid", sa.JSON),
    sa.column("correct", sa.Boolean),
    sa.column("actions", sa.JSON),
    sa.column("duration_ms"),
    sa.column("created_at"),
)
EDIT = [{"tool": "edit", "cells": [[0, 1]], "colour": None, "t_ms": 5}]


def check_upgrade_from_0002_keeps_attempts(url: str) -> None:
    """A store at 0002 holding attempts (on an empty database at ``url``) opens at head;
    its attempts keep their data and are practice attempts; downgrading drops the mode."""
    engine = make_engine(make_url(url))
    command.upgrade(alembic_config(engine), "0002")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (username, name_key, role, kind, imported, created_at) "
                "VALUES ('Ann', 'ann', 'user', 'human', :no, 1.5)"
            ),
            {"no": False},
        )
        ann = conn.execute(text("SELECT id FROM users")).scalar_one()
        conn.execute(text("INSERT INTO tasks (id, created_at) VALUES ('aa11', 1.5)"))
        conn.execute(
            text(
                "INSERT INTO task_versions (task_id, version, content, content_hash, "
                "test_count, created_at, removed) VALUES ('aa11', 0, '{}', 'h', 2, 1.5, :no)"
            ),
            {"no": False},
        )
        common = {"user_id": ann, "task_id": "aa11", "task_version": 0, "created_at": 2.25}
        conn.execute(
            OLD_ATTEMPTS.insert(),
            [
                {**common, "test_index": 0, "grid": [[1, 2]], "correct": True,
                 "actions": EDIT, "duration_ms": 5},
                {**common, "test_index": 1, "grid": [[3]], "correct": False,
                 "actions": [], "duration_ms": 70},
            ],
        )
    assert "mode" not in {c["name"] for c in inspect(engine).get_columns("attempts")}
    engine.dispose()
    store = open_store(url)  # opening migrates to head
    try:
        assert store.revision() == head_revision()
        indexes = {i["name"] for i in inspect(store.engine).get_indexes("attempts")}
        assert {"ix_attempts_user_id_task_id_task_version", "ix_attempts_task_id"} <= indexes
        old = store.list_attempts(ann, "aa11")
        assert [
            (a.test_index, a.grid, a.correct, a.actions, a.duration_ms, a.created_at, a.mode)
            for a in old
        ] == [
            (0, [[1, 2]], True, EDIT, 5, 2.25, "practice"),
            (1, [[3]], False, [], 70, 2.25, "practice"),
        ]
        assert store.list_attempts(ann, "aa11", mode="study") == []
        new = store.record_attempt(ann, "aa11", 0, 1, [[3]], True, [], 9, mode="study")
        assert new.mode == "study" and new.id > old[1].id
        assert store.list_attempts(ann, "aa11", mode="practice") == old
        assert store.list_tasks(solved_by=ann).total == 1  # either mode counts as solved
        with pytest.raises(IntegrityError), store.engine.begin() as conn:
            conn.execute(text("UPDATE attempts SET mode = 'exam'"))
    finally:
        store.dispose()
    engine = make_engine(make_url(url))
    try:
        command.downgrade(alembic_config(engine), "0002")
        assert "mode" not in {c["name"] for c in inspect(engine).get_columns("attempts")}
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM attempts")).scalar() == 3
    finally:
        engine.dispose()


def test_attempts_of_a_store_at_0002_become_practice_attempts(tmp_path: Path) -> None:
    check_upgrade_from_0002_keeps_attempts(f"sqlite:///{tmp_path / 'old.db'}")


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
