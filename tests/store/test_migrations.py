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
        assert store.get_user_by_name("ANN") is not None
        bob = store.create_user("Bob")
        assert store.vote(trace.id, bob.id, 1).score == 3
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


def check_upgrade_from_0003_keys_attempts_and_unlocks(url: str) -> None:
    """A store at 0003 with an original, a swap of it and attempts opens at head: versions get
    answer keys (followed through the swap), attempts their key and whether practice came
    first, and correct or used-up study attempts become unlocks."""
    import json

    engine = make_engine(make_url(url))
    command.upgrade(alembic_config(engine), "0003")
    original = {"train": [{"input": [[1, 2]], "output": [[2, 1]]}],
                "test": [{"input": [[3, 4]], "output": [[4, 3]]},
                         {"input": [[5, 6]], "output": [[6, 5]]}]}
    swap = {"train": [original["test"][1]],
            "test": [original["test"][0], original["train"][0]]}
    spec = [{"op": "swap_train_test", "train": 0, "test": 1}]
    with engine.begin() as conn:
        for name in ("ann", "ben"):
            conn.execute(text(
                "INSERT INTO users (username, name_key, role, kind, imported, created_at) "
                "VALUES (:n, :n, 'user', 'human', :no, 1.5)"), {"n": name, "no": False})
        ann, ben = conn.execute(text("SELECT id FROM users ORDER BY id")).scalars().all()
        conn.execute(text("INSERT INTO tasks (id, created_at) VALUES ('aa11', 1.5)"))
        for version, content, parent, transform in ((0, original, None, None),
                                                    (1, swap, 0, spec)):
            conn.execute(text(
                "INSERT INTO task_versions (task_id, version, content, content_hash, "
                "test_count, parent_task_id, parent_version, transform, created_at, removed) "
                "VALUES ('aa11', :v, :c, :h, 2, :pt, :pv, :t, 1.5, :no)"),
                {"v": version, "c": json.dumps(content), "h": f"h{version}", "no": False,
                 "pt": None if parent is None else "aa11", "pv": parent,
                 "t": None if transform is None else json.dumps(transform)})
        rows = [(ann, 0, 0, True, "study"), (ben, 0, 1, False, "practice"),
                (ben, 1, 0, False, "study"), (ben, 0, 0, False, "study")]
        for user, version, index, correct, mode in rows:
            conn.execute(text(
                "INSERT INTO attempts (user_id, task_id, task_version, test_index, grid, "
                "correct, actions, duration_ms, created_at, mode) VALUES (:u, 'aa11', :v, :i, "
                "'[[0]]', :c, '[]', 1, 2.5, :m)"),
                {"u": user, "v": version, "i": index, "c": correct, "m": mode})
    engine.dispose()
    store = open_store(url)
    try:
        versions = store.list_versions("aa11")
        assert [(v.train_keys, v.test_keys) for v in versions] == [
            (("train:0",), ("test:0", "test:1")), (("test:1",), ("test:0", "train:0"))]
        assert [(a.answer_key, a.after_practice) for a in store.list_attempts(ben, "aa11")] == [
            ("test:1", False), ("test:0", True), ("test:0", True)]
        assert store.unlocked_answers(ann, ["aa11"]) == {"aa11": frozenset({"test:0"})}
        assert store.unlocked_answers(ben, ["aa11"]) == {"aa11": frozenset({"test:0"})}
    finally:
        store.dispose()
    engine = make_engine(make_url(url))
    try:
        command.downgrade(alembic_config(engine), "0003")
        assert "answer_key" not in {c["name"] for c in inspect(engine).get_columns("attempts")}
        assert "sessions" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_a_store_at_0003_gets_answer_keys_and_unlocks(tmp_path: Path) -> None:
    check_upgrade_from_0003_keys_attempts_and_unlocks(f"sqlite:///{tmp_path / 'old.db'}")


def check_upgrade_from_0004_keeps_data_and_adds_checks(url: str) -> None:
    """A store at 0004 with attempts, an unlock and a voted trace opens at head with all of it;
    its study attempts can be described and checked; the store has a pseudonym key; the
    downgrade drops checks and descriptions and keeps the rest."""
    import json

    engine = make_engine(make_url(url))
    command.upgrade(alembic_config(engine), "0004")
    content = {"train": [{"input": [[1, 2]], "output": [[2, 1]]}],
               "test": [{"input": [[3, 4]], "output": [[4, 3]]}]}
    with engine.begin() as conn:
        for name in ("ann", "ben"):
            conn.execute(text(
                "INSERT INTO users (username, name_key, role, kind, imported, created_at) "
                "VALUES (:n, :n, 'user', 'human', :no, 1.5)"), {"n": name, "no": False})
        ann, ben = conn.execute(text("SELECT id FROM users ORDER BY id")).scalars().all()
        conn.execute(text("INSERT INTO tasks (id, created_at) VALUES ('aa11', 1.5)"))
        conn.execute(text(
            "INSERT INTO task_versions (task_id, version, content, content_hash, test_count, "
            "created_at, removed, train_keys, test_keys) VALUES ('aa11', 0, :c, 'h', 1, 1.5, "
            ":no, :tr, :te)"), {"c": json.dumps(content), "no": False,
                                "tr": json.dumps(["train:0"]), "te": json.dumps(["test:0"])})
        conn.execute(text(
            "INSERT INTO attempts (user_id, task_id, task_version, test_index, grid, correct, "
            "actions, duration_ms, created_at, mode, answer_key, after_practice) VALUES "
            "(:u, 'aa11', 0, 0, '[[4, 3]]', :yes, :log, 9, 2.5, 'study', 'test:0', :no)"),
            {"u": ann, "yes": True, "no": False, "log": json.dumps(EDIT)})
        conn.execute(text(
            "INSERT INTO answer_unlocks (user_id, task_id, answer_key, reason, created_at) "
            "VALUES (:u, 'aa11', 'test:0', 'solved', 2.5)"), {"u": ann})
        conn.execute(text(
            "INSERT INTO traces (trace_id, task_id, task_version, author_id, source, text, "
            "text_hash, created_at, score_base, score, removed) VALUES ('x1', 'aa11', 0, :u, "
            "'human', 'swap them', 'x', 3.5, 0, 1, :no)"), {"u": ann, "no": False})
        conn.execute(text("INSERT INTO votes (trace_id, user_id, value, created_at) "
                          "VALUES (1, :u, 1, 4.5)"), {"u": ben})
    engine.dispose()
    store = open_store(url)
    try:
        [old] = store.list_attempts(ann, "aa11")
        assert (old.mode, old.correct, old.actions, old.check_id) == ("study", True, EDIT, None)
        assert store.unlocked_answers(ann, ["aa11"]) == {"aa11": frozenset({"test:0"})}
        [trace] = store.list_traces("aa11")
        assert (trace.text, trace.score, trace.description, trace.uses_ok) == (
            "swap them", 1, None, 0)
        described = store.add_description(ann, old.id, {"how_to_build": "swap the two cells"})
        check = store.start_check(described.id, ben)
        ended, _ = store.submit_check(check.id, ben, [[4, 3]], True, [], 5, attempts=2)
        assert ended.outcome == "success"
        assert store.unlocked_answers(ben, ["aa11"]) == {"aa11": frozenset({"test:0"})}
        with store.engine.connect() as conn:
            key = conn.execute(text(
                "SELECT value FROM store_meta WHERE key = 'pseudonym_key'")).scalar_one()
        assert len(key) == 64 and int(key, 16) >= 0
        with pytest.raises(IntegrityError), store.engine.begin() as conn:
            conn.execute(text("UPDATE attempts SET mode = 'exam'"))
    finally:
        store.dispose()
    engine = make_engine(make_url(url))
    try:
        command.downgrade(alembic_config(engine), "0004")
        tables = set(inspect(engine).get_table_names())
        assert not {"checks", "descriptions", "store_meta"} & tables
        with engine.connect() as conn:
            assert conn.execute(text("SELECT mode FROM attempts")).scalars().all() == ["study"]
            assert conn.execute(text("SELECT count(*) FROM traces")).scalar() == 2
            reasons = conn.execute(text("SELECT reason FROM answer_unlocks")).scalars().all()
            assert reasons == ["solved"]
    finally:
        engine.dispose()


def test_a_store_at_0004_keeps_its_data_and_gets_checks(tmp_path: Path) -> None:
    check_upgrade_from_0004_keeps_data_and_adds_checks(f"sqlite:///{tmp_path / 'old.db'}")
