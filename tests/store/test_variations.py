"""Signing variations: identical content, new content, removal, restoring; numbers never reused."""

from __future__ import annotations

import threading

import pytest

from arcforge.data import load_tasks
from arcforge.store import ConflictError, NotFoundError, Store, StoreError
from arcforge.transforms import TransformError, apply

from .conftest import make_task


@pytest.fixture
def setup(store: Store) -> tuple[Store, int, int]:
    store.import_tasks([make_task("aa11", seed=7)], source="test")
    return store, store.create_user("ann").id, store.create_user("ben").id


def test_new_content_gets_the_next_number(setup: tuple[Store, int, int]) -> None:
    store, ann, _ = setup
    made = store.sign_variation("aa11", 0, {"op": "rot90"}, ann)
    assert made.outcome == "created"
    v = made.version
    assert (v.version, v.signed_by, v.parent, v.created_by) == (1, ("ann",), ("aa11", 0), "ann")
    assert v.transform == ({"op": "rot90"},)
    expected = apply(store.get_task("aa11", 0), {"op": "rot90"})
    assert v.content == expected.content() and v.content_hash == expected.content_hash()
    mapping = [0, 2, 1, 3, 4, 5, 6, 7, 8, 9]
    chained = store.sign_variation("aa11", 1, {"op": "permute_colours", "mapping": mapping}, ann)
    assert chained.version.version == 2 and chained.version.parent == ("aa11", 1)


def test_identical_content_adds_the_signer(setup: tuple[Store, int, int]) -> None:
    store, ann, ben = setup
    store.sign_variation("aa11", 0, {"op": "rot90"}, ann)
    # a half turn then three quarters is a quarter turn: the same grids, reached another way
    same = store.sign_variation("aa11", 0, [{"op": "rot180"}, {"op": "rot270"}], ben)
    assert same.outcome == "signed"
    assert same.version.version == 1 and same.version.signed_by == ("ann", "ben")
    again = store.sign_variation("aa11", 0, {"op": "rot90"}, ben)
    assert again.outcome == "already_signed" and again.version.signed_by == ("ann", "ben")
    assert [v.version for v in store.list_versions("aa11")] == [0, 1]


def test_identity_signs_the_original(setup: tuple[Store, int, int]) -> None:
    store, ann, _ = setup
    result = store.sign_variation("aa11", 0, {"op": "identity"}, ann)
    assert result.outcome == "signed" and result.version.version == 0


def test_removal_keeps_numbers_and_resigning_restores(setup: tuple[Store, int, int]) -> None:
    store, ann, ben = setup
    store.sign_variation("aa11", 0, {"op": "rot90"}, ann)
    store.sign_variation("aa11", 0, {"op": "flip_h"}, ann)
    removed = store.remove_variation("aa11", 1, ben)
    assert (removed.created_by, removed.signed_by) == ("ann", ("ann",))
    assert [(v.version, v.removed) for v in store.list_versions("aa11")] == [
        (0, False),
        (1, True),
        (2, False),
    ]
    assert [v.version for v in store.list_versions("aa11", include_removed=False)] == [0, 2]
    assert [t.version for t in store.all_tasks()] == [0, 2]
    # new content after a removal gets 3: the removed number 1 is never reused
    assert store.sign_variation("aa11", 0, {"op": "flip_v"}, ann).version.version == 3
    with pytest.raises(StoreError, match="was removed"):
        store.sign_variation("aa11", 1, {"op": "rot90"}, ann)
    back = store.sign_variation("aa11", 0, {"op": "rot90"}, ann)  # ann made version 1
    assert back.outcome == "restored" and back.version.version == 1
    assert back.version.signed_by == ("ann",) and not back.version.removed
    assert [v.version for v in store.list_versions("aa11", include_removed=False)] == [0, 1, 2, 3]


def test_only_the_creator_or_an_admin_restores_a_removed_version(
    setup: tuple[Store, int, int],
) -> None:
    store, ann, ben = setup
    boss = store.create_user("boss", role="admin").id
    store.sign_variation("aa11", 0, {"op": "rot90"}, ann)
    store.sign_variation("aa11", 0, {"op": "rot90"}, ben)  # ben signed it while it was live
    store.remove_variation("aa11", 1, ann)
    for other in (ben, store.create_user("cid").id):
        with pytest.raises(ConflictError, match="removed by its author"):
            store.sign_variation("aa11", 0, {"op": "rot90"}, other)
    v1 = store.get_version("aa11", 1)
    assert v1.removed and v1.signed_by == ("ann", "ben")  # nothing was written
    back = store.sign_variation("aa11", 0, {"op": "rot90"}, boss)
    assert back.outcome == "restored" and back.version.signed_by == ("ann", "ben", "boss")
    store.remove_variation("aa11", 1, boss)  # removed by an admin: its creator brings it back
    assert store.sign_variation("aa11", 0, {"op": "rot90"}, ann).outcome == "restored"


def test_refusals(setup: tuple[Store, int, int]) -> None:
    store, ann, _ = setup
    with pytest.raises(StoreError, match="original"):
        store.remove_variation("aa11", 0, ann)
    with pytest.raises(NotFoundError, match="no version 5"):
        store.sign_variation("aa11", 5, {"op": "rot90"}, ann)
    with pytest.raises(NotFoundError, match="no task 'zz'"):
        store.sign_variation("zz", 0, {"op": "rot90"}, ann)
    with pytest.raises(TransformError, match="transform"):
        store.sign_variation("aa11", 0, {"op": "spin"}, ann)
    with pytest.raises(TransformError, match=r"swap_train_test\.train"):
        store.sign_variation("aa11", 0, {"op": "swap_train_test", "train": 4, "test": 0}, ann)
    with pytest.raises(NotFoundError, match="no user"):
        store.sign_variation("aa11", 0, {"op": "rot90"}, 999)
    assert [v.version for v in store.list_versions("aa11")] == [0]


def test_concurrent_signers_get_distinct_numbers(setup: tuple[Store, int, int]) -> None:
    check_concurrent_signers(setup[0])


def check_concurrent_signers(store: Store) -> None:
    """8 people sign rotations of task aa11 at once: numbers 1-7, one version signed twice."""
    users = [store.create_user(f"u{i}").id for i in range(8)]
    ops = ["rot90", "rot180", "rot270", "flip_h", "flip_v", "transpose", "anti_transpose", "rot90"]
    barrier = threading.Barrier(len(users))
    results: list[int] = []
    errors: list[BaseException] = []

    def sign(user: int, op: str) -> None:
        try:
            barrier.wait()
            results.append(store.sign_variation("aa11", 0, {"op": op}, user).version.version)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=sign, args=a) for a in zip(users, ops, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    versions = store.list_versions("aa11")
    assert [v.version for v in versions] == list(range(8))  # 7 distinct contents + original
    assert len({v.content_hash for v in versions}) == 8
    rot90 = next(v for v in versions if v.transform == ({"op": "rot90"},))
    assert len(rot90.signed_by) == 2


def test_store_is_a_data_source(setup: tuple[Store, int, int], any_store_url: str) -> None:
    store, ann, _ = setup
    store.sign_variation("aa11", 0, {"op": "rot90"}, ann)
    tasks = load_tasks(f"store:{any_store_url}")
    assert [(t.id, t.version, t.signed_by, t.parent) for t in tasks] == [
        ("aa11", 0, (), None),
        ("aa11", 1, ("ann",), ("aa11", 0)),
    ]
    assert tasks[1].transform == ({"op": "rot90"},)
    assert tasks[0].content() == make_task("aa11", seed=7).content()


def test_missing_store_is_not_created_by_reading(tmp_path) -> None:
    missing = tmp_path / "nothing.db"
    with pytest.raises(StoreError, match="no store at"):
        load_tasks(f"store:{missing}")
    assert not missing.exists()


def test_bundled_set_comes_back_unchanged_from_the_store(store: Store, any_store_url: str) -> None:
    original = load_tasks("arc-agi-1/evaluation")
    report = store.import_tasks(original, source="arc-agi-1/evaluation")
    assert report.versions_added == len(original) == 400
    back = load_tasks(f"store:{any_store_url}")
    assert [(t.id, t.content_hash()) for t in back] == sorted(
        (t.id, t.content_hash()) for t in original
    )
    assert store.import_tasks(original).unchanged == 400  # a second import adds nothing
