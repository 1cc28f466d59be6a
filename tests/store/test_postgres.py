"""The same store code on PostgreSQL: run when the server binaries are installed, else skipped.

A throw-away cluster is created in a temporary folder (as the ``postgres`` user when the
tests run as root) and listens on 127.0.0.1 only.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from arcforge.store import Store, open_store
from arcforge.store.legacy import export_traces_data, import_traces
from arcforge.store.merge import merge_files
from arcforge.store.schema import Base

from .conftest import REFERENCE
from .test_concurrency import check_concurrent_votes, check_shared_user_races
from .test_guards import check_attempt_budgets_hold_under_a_race, check_limits_hold_under_a_race
from .test_merge import RECORDS, write_final, write_journal
from .test_migrations import (
    check_upgrade_from_0002_keeps_attempts,
    check_upgrade_from_0003_keys_attempts_and_unlocks,
    check_upgrade_from_0004_keeps_data_and_adds_checks,
)
from .test_variations import check_concurrent_signers

pytest.importorskip("psycopg")


def _run(cmd: list[str], prefix: list[str]) -> None:
    subprocess.run([*prefix, *cmd], check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    prefix: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="arcforge-pg-"))
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run the server")
        os.chown(base, owner.pw_uid, owner.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    data = base / "data"
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
    try:
        _run([initdb, "-D", str(data), "-A", "trust", "-U", "arc", "--no-sync"], prefix)
        _run(
            [pg_ctl, "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "start"], prefix
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"could not start a PostgreSQL server: {exc}")
    try:
        yield f"postgresql+psycopg://arc@127.0.0.1:{port}"
    finally:
        _run([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"], prefix)
        shutil.rmtree(base, ignore_errors=True)


def _new_database(server: str) -> str:
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{server.replace('+psycopg', '')}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{server}/{name}"


@pytest.fixture
def pg_store(server: str) -> Iterator[Store]:
    store = open_store(_new_database(server))
    yield store
    store.dispose()


def test_upgrade_from_0002_keeps_attempts(server: str) -> None:
    check_upgrade_from_0002_keeps_attempts(_new_database(server))


def test_upgrade_from_0003_keys_attempts_and_unlocks(server: str) -> None:
    check_upgrade_from_0003_keys_attempts_and_unlocks(_new_database(server))


def test_upgrade_from_0004_keeps_data_and_adds_checks(server: str) -> None:
    check_upgrade_from_0004_keeps_data_and_adds_checks(_new_database(server))


def test_limits_hold_under_a_race(pg_store: Store) -> None:
    check_limits_hold_under_a_race(pg_store)


def test_attempt_budgets_hold_under_a_race(pg_store: Store) -> None:
    check_attempt_budgets_hold_under_a_race(pg_store)


def test_schema_matches_models(pg_store: Store) -> None:
    with pg_store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_concurrent_votes(pg_store: Store) -> None:
    check_concurrent_votes(pg_store)


def test_shared_user_races(pg_store: Store) -> None:
    check_shared_user_races(pg_store)


def test_concurrent_signers(pg_store: Store) -> None:
    from .conftest import make_task

    pg_store.import_tasks([make_task("aa11", seed=7)])
    check_concurrent_signers(pg_store)


def test_legacy_round_trip(pg_store: Store) -> None:
    import json

    import_traces(pg_store, REFERENCE)
    assert json.dumps(export_traces_data(pg_store), indent=2) == REFERENCE.read_text()


def test_merge_is_idempotent(pg_store: Store, tmp_path: Path) -> None:
    journal = write_journal(tmp_path / "run", RECORDS)
    final = write_final(tmp_path / "run", RECORDS)
    assert merge_files(pg_store, [journal, final]).added == 3
    assert merge_files(pg_store, [final]).added == 0


def test_variations_and_browser(pg_store: Store) -> None:
    from .conftest import make_task

    pg_store.import_tasks([make_task("aa11", tests=2)], source="pg")
    ann = pg_store.create_user("Ann").id
    assert pg_store.sign_variation("aa11", 0, {"op": "rot90"}, ann).version.version == 1
    pg_store.remove_variation("aa11", 1, ann)
    assert pg_store.sign_variation("aa11", 0, {"op": "flip_h"}, ann).version.version == 2
    for test_index in (0, 1):
        pg_store.record_attempt(ann, "aa11", 0, test_index, [[1]], True, [], 5)
    page = pg_store.list_tasks(solved_by=ann, viewer_id=ann, has_variations=True)
    assert [(s.id, s.versions, s.solved_by_viewer) for s in page.items] == [("aa11", 2, True)]
