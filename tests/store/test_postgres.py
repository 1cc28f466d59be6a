"""The same store code on PostgreSQL, on the suite's throw-away cluster (``pgcluster``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from arcforge.store import Store, open_store
from arcforge.store.legacy import export_traces_data, import_traces
from arcforge.store.merge import merge_files
from arcforge.store.schema import Base
from pgcluster import Cluster

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


@pytest.fixture
def empty_db(pg_cluster: Cluster) -> str:
    return pg_cluster.empty_database()


@pytest.fixture
def pg_store(pg_cluster: Cluster) -> Iterator[Store]:
    store = open_store(pg_cluster.database())
    yield store
    store.dispose()


def test_upgrade_from_0002_keeps_attempts(empty_db: str) -> None:
    check_upgrade_from_0002_keeps_attempts(empty_db)


def test_upgrade_from_0003_keys_attempts_and_unlocks(empty_db: str) -> None:
    check_upgrade_from_0003_keys_attempts_and_unlocks(empty_db)


def test_upgrade_from_0004_keeps_data_and_adds_checks(empty_db: str) -> None:
    check_upgrade_from_0004_keeps_data_and_adds_checks(empty_db)


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
