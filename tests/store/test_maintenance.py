"""store stats and store backup (a consistent copy while writers are busy)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arcforge.cli import app
from arcforge.store import Store, open_store

from .conftest import REFERENCE, make_task

runner = CliRunner()


def test_stats_table(store: Store, any_store_url: str) -> None:
    runner.invoke(app, ["store", "import-traces", str(REFERENCE), "--store", any_store_url])
    result = runner.invoke(app, ["store", "stats", "--store", any_store_url])
    assert result.exit_code == 0, result.output
    lines = {" ".join(line.strip("│ ").split()) for line in result.output.splitlines()}
    assert "traces by models │ 245" in lines and "traces by people │ 14" in lines
    assert "tasks without content │ 108" in lines and "votes │ 4" in lines


@pytest.mark.parametrize("any_store_url", ["sqlite"], indirect=True)
def test_backup_while_writing(store: Store, any_store_url: str, tmp_path: Path) -> None:
    store.import_tasks([make_task("aa11")])
    user = store.create_user("ann").id
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        while not stop.is_set():
            written.append(store.add_trace("aa11", 0, user, f"idea {len(written)}").id)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 20:
            stop.wait(0.01)
        dest = tmp_path / "copy.db"
        result = runner.invoke(app, ["store", "backup", str(dest), "--store", any_store_url])
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    with sqlite3.connect(dest) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        copied = conn.execute("SELECT count(*) FROM traces").fetchone()[0]
    assert 20 <= copied <= len(written)
    copy = open_store(str(dest))
    try:
        assert len(copy.list_traces("aa11")) == copied
    finally:
        copy.dispose()


@pytest.mark.parametrize("any_store_url", ["sqlite"], indirect=True)
def test_backup_never_overwrites_without_force(
    store: Store, any_store_url: str, tmp_path: Path
) -> None:
    dest = tmp_path / "keep.db"
    dest.write_text("precious")
    result = runner.invoke(app, ["store", "backup", str(dest), "--store", any_store_url])
    assert "already exists" in str(result.exception)
    assert dest.read_text() == "precious"
    result = runner.invoke(app, ["store", "backup", str(dest), "--store", any_store_url, "--force"])
    assert result.exit_code == 0, result.output
    assert dest.read_bytes().startswith(b"SQLite format 3")
    assert list(tmp_path.glob(".keep.db.*")) == []  # no temporary file left behind


def test_default_location_honours_xdg(tmp_path: Path, monkeypatch) -> None:
    from arcforge.store import default_store_path, resolve_store_url

    monkeypatch.delenv("ARCFORGE_STORE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_store_path() == tmp_path / "arcforge" / "arcforge.db"
    assert resolve_store_url().database == str(tmp_path / "arcforge" / "arcforge.db")
    monkeypatch.setenv("ARCFORGE_STORE", "postgresql+psycopg://u:secret@db/arc")
    assert resolve_store_url().get_backend_name() == "postgresql"
    assert resolve_store_url("x.db").database == str(Path("x.db").absolute())


def test_locked_store_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    import arcforge.store.engine as engine
    from arcforge.store import StoreError

    monkeypatch.setattr(engine, "BUSY_TIMEOUT_S", 0.2)
    path = tmp_path / "busy.db"
    store = open_store(str(path))
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process holding the write lock
        with pytest.raises(StoreError, match="database is locked"):
            store.create_user("ann")
        holder.execute("ROLLBACK")
        assert store.create_user("ann").username == "ann"
    finally:
        holder.close()
        store.dispose()
